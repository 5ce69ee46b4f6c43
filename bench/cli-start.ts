/**
 * Start-up of bin/patd and bin/git-credential-patd against `node -e 0` (an empty Node process),
 * measured in the same run: the rounds alternate the commands, and each command's ratio is the
 * median of its ratios to the `node -e 0` run of the same round, so a machine whose speed
 * drifts during the run moves both sides alike. Whole processes, wall time; read the ratios.
 *   node --import tsx bench/cli-start.ts [--rounds 15]      (npm run bench:cli builds first)
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const ROOT = resolve(import.meta.dirname, '..');
const { values } = parseArgs({ options: { rounds: { type: 'string', default: '15' } } });
const rounds = Number(values.rounds);
const patd = join(ROOT, 'bin/patd');
const data = mkdtempSync(join(tmpdir(), 'patd-bench-cli-'));
const env = { ...process.env, PATD_DATA_DIR: data, PATD_DATABASE_URL: '', PATD_LOG_LEVEL: 'warn' };

const COMMANDS: [string, string, string[]][] = [
  ['node -e 0', process.execPath, ['-e', '0']],
  ['patd --version', patd, ['--version']],
  ['patd --help', patd, ['--help']],
  ['patd user list (SQLite)', patd, ['user', 'list']],
  ['git-credential-patd --version', join(ROOT, 'bin/git-credential-patd'), ['--version']],
];

function once(cmd: string, args: string[]): number {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { env, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return ms;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

try {
  once(patd, ['migrate']);
  const times = COMMANDS.map(() => [] as number[]);
  for (const [, cmd, args] of COMMANDS) once(cmd, args); // warm-up: the file cache, not counted
  for (let i = 0; i < rounds; i++) {
    // Alternate the order so that no command always follows the same one.
    const order = COMMANDS.map((_, k) => k);
    if (i % 2) order.reverse();
    for (const k of order) times[k]?.push(once(COMMANDS[k]?.[1] as string, COMMANDS[k]?.[2] as string[]));
  }
  const base = times[0] as number[];
  process.stdout.write(`${rounds} rounds, median wall time, and the median of each round's ratio to "node -e 0"\n`);
  for (const [k, [name]] of COMMANDS.entries()) {
    const t = times[k] as number[];
    const ratio = median(t.map((ms, i) => ms / (base[i] as number)));
    process.stdout.write(`${name.padEnd(32)} ${median(t).toFixed(0).padStart(6)} ms   ×${ratio.toFixed(2)}\n`);
  }
} finally {
  rmSync(data, { recursive: true, force: true });
}
