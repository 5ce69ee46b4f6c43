import { CliError, EXIT } from './types.js';

/** Ctrl-C at a prompt: the shell convention for "interrupted" (128 + SIGINT). */
export const EXIT_CANCELLED = 130;

/** One line typed on the terminal, not echoed (raw mode: the program sees each key, the terminal shows none). */
function askHidden(question: string): Promise<string> {
  const stdin = process.stdin;
  return new Promise((resolve, reject) => {
    let buf = '';
    const finish = (err: Error | null) => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
      if (err) reject(err);
      else resolve(buf);
    };
    const onData = (s: string) => {
      for (const ch of s) {
        if (ch === '\r' || ch === '\n') return finish(null);
        if (ch === '\u0003') return finish(new CliError('cancelled', EXIT_CANCELLED, 'cancelled'));
        if (ch === '\u0004') return finish(buf ? null : new CliError('cancelled', EXIT_CANCELLED, 'cancelled'));
        if (ch === '\u007f' || ch === '\b') buf = [...buf].slice(0, -1).join('');
        else if (ch === '\u0015') buf = '';
        else if (ch >= ' ') buf += ch;
      }
    };
    // Echo off before the question shows: what is typed ahead is not echoed either.
    stdin.setEncoding('utf8');
    stdin.setRawMode(true);
    stdin.on('data', onData);
    stdin.resume();
    process.stderr.write(question);
  });
}

/** The first line of stdin (what `printf %s "$PW" | patd …` or a here-string gives). */
async function firstLineOfStdin(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin) {
    text += String(chunk);
    if (text.includes('\n')) break;
  }
  return text.split(/\r?\n/)[0] ?? '';
}

/**
 * A new password: asked twice at a no-echo prompt on a terminal, or read from the first line of
 * stdin when it is piped. Never from the command line, where `ps` shows it to everyone.
 */
export async function readNewPassword(question: string): Promise<string> {
  if (!process.stdin.isTTY) {
    const p = await firstLineOfStdin();
    if (!p) throw new CliError('no password on stdin (pipe it in, e.g. printf %s "$PW" | patd …, or run on a terminal to be asked)', EXIT.usage);
    return p;
  }
  const p = await askHidden(question);
  if (!p) throw new CliError('no password given', EXIT.usage);
  if ((await askHidden('Repeat it: ')) !== p) throw new CliError('the two passwords differ; nothing was changed', EXIT.failed, 'mismatch');
  return p;
}
