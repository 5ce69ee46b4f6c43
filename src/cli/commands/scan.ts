import { lstatSync, readdirSync, readFileSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { findTokens } from '../../core/tokens/scan.js';
import { print } from '../output.js';
import { CliError, type Command, JSON_OPTION } from '../types.js';

const SKIP_DIRS = new Set(['.git', 'node_modules', '.hg', '.svn']);
const MAX_BYTES = 20 * 1024 * 1024;

interface Hit {
  file: string;
  line: number;
  column: number;
  hint: string;
}

function* files(path: string): Generator<string> {
  let st: ReturnType<typeof lstatSync>;
  try {
    st = lstatSync(path);
  } catch {
    throw new CliError(`cannot read ${path}`, 2);
  }
  if (st.isDirectory()) {
    for (const e of readdirSync(path).sort()) {
      if (!SKIP_DIRS.has(e)) yield* files(join(path, e));
    }
  } else if (st.isFile() && st.size <= MAX_BYTES) yield path;
}

function readStdin(): string {
  const chunks: Buffer[] = [];
  const buf = Buffer.alloc(65536);
  for (;;) {
    let n = 0;
    try {
      n = readSync(0, buf, 0, buf.length, null);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EAGAIN') continue;
      if ((e as NodeJS.ErrnoException).code === 'EOF') break;
      throw e;
    }
    if (n === 0) break;
    chunks.push(Buffer.from(buf.subarray(0, n)));
  }
  return Buffer.concat(chunks).toString('utf8');
}

export const scan: Command = {
  name: 'scan',
  summary: 'Find patd tokens in files (by format and checksum), e.g. in a pre-commit hook',
  usage: 'patd scan [PATH…|-] [--json]',
  options: { json: JSON_OPTION },
  help: [
    'Scans files and folders (default: the current folder; "-" reads stdin), skipping .git and',
    'node_modules. Prints FILE:LINE:COLUMN and the token hint (never the secret). Exit status:',
    '0 when nothing was found, 1 when a token was found, 2 on a usage error.',
    'Pre-commit hook: git diff --cached --name-only --diff-filter=ACM -z | xargs -0 -r patd scan',
  ].join('\n'),
  async run({ values, positionals }) {
    const hits: Hit[] = [];
    for (const p of positionals.length ? positionals : ['.']) {
      if (p === '-') {
        for (const f of findTokens(readStdin())) hits.push({ file: '-', ...f });
        continue;
      }
      for (const file of files(p)) {
        let text: string;
        try {
          text = readFileSync(file, 'utf8');
        } catch {
          process.stderr.write(`patd scan: skipped ${file} (unreadable)\n`);
          continue;
        }
        for (const f of findTokens(text)) hits.push({ file, ...f });
      }
    }
    if (values.json) print(true, hits);
    else for (const h of hits) process.stdout.write(`${h.file}:${h.line}:${h.column}: ${h.hint}\n`);
    if (hits.length && !values.json) process.stderr.write(`patd scan: found ${hits.length} token(s); revoke them and remove them from the files\n`);
    return hits.length ? 1 : 0;
  },
};
