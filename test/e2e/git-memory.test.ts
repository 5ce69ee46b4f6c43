import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, test } from 'node:test';
import { bigWorkRepo } from './fixtures/big-repo.js';
import { git, gitHome } from './git-helpers.js';

const ROOT = resolve(import.meta.dirname, '../..');
const MB = 1024 * 1024;

function rss(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? 0) * 1024;
}

/** Samples a process's RSS every 20 ms while `fn` runs; returns the peak. */
async function peakRss<T>(pid: number, fn: () => Promise<T>): Promise<{ peak: number; result: T }> {
  let peak = rss(pid);
  const timer = setInterval(() => { peak = Math.max(peak, rss(pid)); }, 20);
  try {
    const result = await fn();
    peak = Math.max(peak, rss(pid));
    return { peak, result };
  } finally {
    clearInterval(timer);
  }
}

/** A 50 MB repository through patd running as its own process: its memory stays flat. */
describe('git push and clone of 50 MB stream through patd', () => {
  let server: ChildProcess;
  let info: { url: string; token: string; pid: number };
  let env: NodeJS.ProcessEnv;
  let work: string;
  const dirs: string[] = [];

  before(async () => {
    const data = mkdtempSync(join(tmpdir(), 'patd-mem-'));
    dirs.push(data);
    server = spawn(process.execPath, [...(process.env.MEMTEST_FLAGS ? process.env.MEMTEST_FLAGS.split(' ') : []), '--import', 'tsx', join(ROOT, 'test/e2e/fixtures/git-server.ts'), 'patd', data], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    const line = await new Promise<string>((res, rej) => {
      createInterface({ input: server.stdout as NodeJS.ReadableStream }).once('line', res);
      server.once('exit', (c) => rej(new Error(`server exited ${c}`)));
    });
    info = JSON.parse(line);
    const h = gitHome();
    env = h.env;
    dirs.push(h.home);
    work = await bigWorkRepo(env, 50);
    dirs.push(work);
  });
  after(() => {
    server.kill('SIGTERM');
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  test('push then clone; RSS growth stays far below the repository size', async () => {
    const url = `${info.url.replace('http://', `http://x:${info.token}@`)}/big/_git/big`;
    // Warm up (JIT, first requests), then take the baseline.
    assert.equal((await git(['ls-remote', url], { env })).code, 0);
    const base = rss(info.pid);

    const push = await peakRss(info.pid, () => git(['push', url, 'main'], { cwd: work, env, timeoutMs: 120_000 }));
    assert.equal(push.result.code, 0, push.result.stderr);
    const clone = join(work, '..', `${work.split('/').pop()}-clone`);
    dirs.push(clone);
    const c = await peakRss(info.pid, () => git(['clone', '-q', url, clone], { env, timeoutMs: 120_000 }));
    assert.equal(c.result.code, 0, c.result.stderr);
    assert.equal(readdirSync(clone).filter((f) => f.endsWith('.bin')).length, 100);

    const growth = { push: (push.peak - base) / MB, clone: (c.peak - base) / MB };
    process.stderr.write(`# patd RSS baseline ${(base / MB).toFixed(1)} MB; growth during 50 MB push ${growth.push.toFixed(1)} MB, clone ${growth.clone.toFixed(1)} MB\n`);
    assert.ok(growth.push < 40, `push grew RSS by ${growth.push.toFixed(1)} MB`);
    assert.ok(growth.clone < 40, `clone grew RSS by ${growth.clone.toFixed(1)} MB`);
  });
});
