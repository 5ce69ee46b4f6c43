import { spawn } from 'node:child_process';

export interface CommandResult {
  code: number | null;
  out: string;
  err: string;
}

/**
 * Runs a command to its end and collects what it wrote. Never synchronously: the servers under
 * test run in child processes too. Resolves on 'close', when both pipes have been read; 'exit'
 * can come first, with stderr still unread.
 */
export function runCommand(cmd: string, args: string[], o: { env?: Record<string, string | undefined>; cwd?: string; stdin?: string } = {}): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const ch = spawn(cmd, args, { cwd: o.cwd, env: o.env ?? process.env });
    let out = '';
    let err = '';
    ch.stdout.on('data', (d) => {
      out += String(d);
    });
    ch.stderr.on('data', (d) => {
      err += String(d);
    });
    ch.on('error', reject);
    ch.on('close', (code) => resolve({ code, out, err }));
    ch.stdin.end(o.stdin ?? '');
  });
}
