/**
 * Clone time of a 50 MB repository through patd vs. `git http-backend` behind a bare
 * node:http CGI wrapper with no auth, measured in the same run. Target: ratio <= 1.15.
 *   node --import tsx bench/git-clone.ts [--mb 50] [--rounds 7]
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { bigWorkRepo } from '../test/e2e/fixtures/big-repo.js';
import { git, gitHome } from '../test/e2e/git-helpers.js';

const ROOT = resolve(import.meta.dirname, '..');
const { values } = parseArgs({ options: { mb: { type: 'string', default: '50' }, rounds: { type: 'string', default: '7' } } });
const mb = Number(values.mb);
const rounds = Number(values.rounds);

async function server(mode: 'patd' | 'direct', dir: string): Promise<{ proc: ChildProcess; url: string; token?: string }> {
  const proc = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'test/e2e/fixtures/git-server.ts'), mode, dir], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((res) => createInterface({ input: proc.stdout as NodeJS.ReadableStream }).once('line', res));
  return { proc, ...JSON.parse(line) };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

const { home, env } = gitHome();
const data = mkdtempSync(join(tmpdir(), 'patd-bench-'));
try {
  process.stderr.write(`generating a ${mb} MB repository…\n`);
  const work = await bigWorkRepo(env, mb);
  mkdirSync(join(data, 'git', 'big'), { recursive: true });
  await git(['clone', '-q', '--bare', '--no-local', work, join(data, 'git', 'big', 'big.git')], { env });
  rmSync(work, { recursive: true, force: true });

  const patd = await server('patd', data);
  const direct = await server('direct', join(data, 'git'));
  const urls = {
    direct: `${direct.url}/big/_git/big`,
    patd: `${patd.url.replace('http://', `http://x:${patd.token}@`)}/big/_git/big`,
  };
  const times: Record<'direct' | 'patd', number[]> = { direct: [], patd: [] };
  const cloneOnce = async (which: 'direct' | 'patd') => {
    const dest = join(home, `c-${which}-${Math.random().toString(36).slice(2)}`);
    const t0 = process.hrtime.bigint();
    const r = await git(['clone', '-q', '--no-checkout', urls[which], dest], { env, timeoutMs: 300_000 });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r.code !== 0) throw new Error(`${which} clone failed: ${r.stderr}`);
    rmSync(dest, { recursive: true, force: true });
    return ms;
  };
  await cloneOnce('direct');
  await cloneOnce('patd');
  for (let i = 0; i < rounds; i++) {
    // Alternate the order so neither side always runs on a warmer cache.
    for (const which of i % 2 ? (['patd', 'direct'] as const) : (['direct', 'patd'] as const)) times[which].push(await cloneOnce(which));
  }
  const d = median(times.direct);
  const p = median(times.patd);
  const out = {
    bench: 'git-clone', repoMB: mb, rounds,
    directMs: Math.round(d), patdMs: Math.round(p), ratio: Number((p / d).toFixed(3)), target: 1.15,
    directAll: times.direct.map(Math.round), patdAll: times.patd.map(Math.round),
  };
  process.stdout.write(`${JSON.stringify(out)}\n`);
  process.stderr.write(`clone of ${mb} MB: direct ${out.directMs} ms, through patd ${out.patdMs} ms → ratio ${out.ratio} (target ≤ ${out.target})\n`);
  patd.proc.kill('SIGTERM');
  direct.proc.kill('SIGTERM');
} finally {
  rmSync(home, { recursive: true, force: true });
  rmSync(data, { recursive: true, force: true });
}
