import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface GitResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A throw-away HOME for the git client: no system or user configuration leaks in. */
export function gitHome(): { home: string; env: NodeJS.ProcessEnv } {
  const home = mkdtempSync(join(tmpdir(), 'patd-git-home-'));
  mkdirSync(join(home, '.config'), { recursive: true });
  writeFileSync(join(home, '.gitconfig'), '[user]\n\tname = Test\n\temail = test@example.test\n[init]\n\tdefaultBranch = main\n');
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH, HOME: home, XDG_CONFIG_HOME: join(home, '.config'), GIT_CONFIG_NOSYSTEM: '1',
    GIT_TERMINAL_PROMPT: '0', LANG: 'C', LC_ALL: 'C', GIT_ASKPASS: '', SSH_ASKPASS: '',
  };
  return { home, env };
}

/** Runs git; `onStderr` sees stderr as it arrives (to read a device code while git waits). */
export function git(args: string[], o: { cwd?: string; env: NodeJS.ProcessEnv; onStderr?: (all: string) => void; timeoutMs?: number }): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, { cwd: o.cwd, env: o.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs ?? 60_000);
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => {
      stderr += d;
      o.onStderr?.(stderr);
    });
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

/** A commit in a fresh working repository; returns its folder. */
export async function workRepo(env: NodeJS.ProcessEnv, files: Record<string, string | Buffer>): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'patd-work-'));
  await git(['init', '-q', '-b', 'main', dir], { env });
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  await git(['add', '-A'], { cwd: dir, env });
  const r = await git(['commit', '-q', '-m', 'initial'], { cwd: dir, env });
  if (r.code !== 0) throw new Error(`commit failed: ${r.stderr}`);
  return dir;
}
