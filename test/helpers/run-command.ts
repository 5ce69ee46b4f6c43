import { spawn } from 'node:child_process';

export interface CommandResult {
  code: number | null;
  /** The signal that ended it (SIGKILL after `timeoutMs`), or null. */
  signal: NodeJS.Signals | null;
  out: string;
  err: string;
}

/**
 * Runs a command to its end and collects what it wrote. Never synchronously: the servers under
 * test run in child processes too. Resolves on 'close', when both pipes have been read; 'exit'
 * can come first, with stderr still unread. With `timeoutMs`, a command that hangs is killed
 * (SIGKILL, in `signal`), so a test fails instead of hanging.
 */
export function runCommand(cmd: string, args: string[], o: { env?: Record<string, string | undefined>; cwd?: string; stdin?: string; timeoutMs?: number } = {}): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const ch = spawn(cmd, args, { cwd: o.cwd, env: o.env ?? process.env, timeout: o.timeoutMs, killSignal: 'SIGKILL' });
    let out = '';
    let err = '';
    ch.stdout.on('data', (d) => {
      out += String(d);
    });
    ch.stderr.on('data', (d) => {
      err += String(d);
    });
    ch.on('error', reject);
    ch.on('close', (code, signal) => resolve({ code, signal, out, err }));
    ch.stdin.end(o.stdin ?? '');
  });
}
