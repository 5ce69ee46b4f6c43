/**
 * Benchmark: the verifier's cache under a flood of well-formed unknown tokens.
 * `GET /auth/verify` (forward-auth, Basic) on SQLite and PostgreSQL, three loads in turn:
 *   valid   every request carries the same valid token (the baseline of this run);
 *   repeat  90% carry one of 1,000 unknown tokens, cycled (the negative cache answers them), 10% the valid one;
 *   unique  90% carry a fresh unknown token every time (each costs one storage read), 10% the valid one.
 *
 *   npm run bench:flood        (builds dist/ first; or node --import tsx bench/flood.ts)
 *
 * Env knobs: BENCH_DIALECTS=sqlite,postgres  BENCH_ROUNDS=3  BENCH_WARMUP=2  BENCH_DURATION=8
 *            BENCH_CONNECTIONS=50  BENCH_LOG_LEVEL=warn  PATD_BENCH_PG_URL=…  BENCH_FLOOD_POOL=1000
 *
 * Reported per dialect (medians): req/s of each load and its ratio to `valid` (what a request
 * costs when most of the traffic is unknown tokens; target >= 0.9 for `repeat`), the valid
 * requests' own req/s, storage reads, and the cache afterwards: the valid token must still be
 * answered from the cache (a flood never evicts a real entry) and the negative cache stays
 * within its bound.
 */
import { makeLogger } from '../dist/adapters/logger.js';
import { loadConfig } from '../dist/config.js';
import { createPatd, type Patd } from '../dist/server.js';
import { createTestDb } from '../test/helpers/db.js';
import { benchKnobs } from './lib/knobs.js';
import { alternate, type LoadOptions, type LoadResult, median } from './lib/load.js';
import { perDialectProcess } from './lib/per-dialect.js';

const { dialects: DIALECTS, rounds: ROUNDS, warmup: WARMUP, duration: DURATION, connections: CONNECTIONS, logLevel: LOG_LEVEL, pgAdminUrl: PG_ADMIN_URL } = benchKnobs({ rounds: 3, logLevel: 'warn' });
const POOL = Number(process.env.BENCH_FLOOD_POOL ?? 1000);
const SHARE = 0.9;
const TARGET = 0.9;
const PASSWORD = 'bench-admin-password-1';

/** Counts repository calls outside transactions: the hot path must make none for a cached token. */
function countStorage(patd: Patd): () => number {
  let n = 0;
  const r = patd.store.r as unknown as Record<string, Record<string, unknown>>;
  for (const repo of Object.values(r)) {
    for (const [k, fn] of Object.entries(repo)) {
      if (typeof fn === 'function') repo[k] = (...a: unknown[]) => { n++; return (fn as (...x: unknown[]) => unknown)(...a); };
    }
  }
  return () => n;
}

interface Row { dialect: string; rps: Record<string, number>; validRps: Record<string, number>; reads: Record<string, number>; stillCached: boolean; entries: number; misses: number }

async function benchDialect(dialect: 'sqlite' | 'postgres'): Promise<Row> {
  const db = await createTestDb(dialect, { prefix: 'patd_bench_', adminUrl: PG_ADMIN_URL });
  const config = loadConfig({
    PATD_DATA_DIR: db.dataDir, PATD_DATABASE_URL: db.url, PATD_HOST: '127.0.0.1', PATD_PORT: '0', PATD_LOG_LEVEL: LOG_LEVEL,
    PATD_SECRET: 'bench-secret-bench-secret-bench-secret-01',
    // The flood comes from one address: lift the failed-check limit so the cache is what is measured.
    PATD_RATE_LIMIT_TOKEN_FAILURES: '100000000',
  });
  const patd = await createPatd(config, { logger: makeLogger(LOG_LEVEL) });
  try {
    await patd.accounts.bootstrap(PASSWORD);
    const base = await patd.listen();
    const admin = await patd.accounts.byUsername('admin');
    const caller = { user: admin, token: null, ip: null, userAgent: 'bench' };
    const { secret } = await patd.tokens.create(caller, admin, { name: 'bench', scopes: ['code:read'], expiresInDays: 30 }, { via: 'api' });
    const valid = `Basic ${Buffer.from(`:${secret}`).toString('base64')}`;
    const reads = countStorage(patd);
    const url = `${base}/auth/verify`;
    const common = { url, connections: CONNECTIONS, warmupSec: WARMUP, durationSec: DURATION, expectStatuses: [200, 401] };
    const flood = (pool: number): LoadOptions['flood'] => ({ valid, share: SHARE, pool, prefix: config.tokenPrefix });
    let before = 0;
    const readsBy: Record<string, number[]> = { valid: [], repeat: [], unique: [] };
    const counted = (o: LoadOptions) => () => {
      before = reads();
      return o;
    };
    const loads: [string, () => LoadOptions][] = [
      ['valid', counted({ ...common, headers: { authorization: valid } })],
      ['repeat', counted({ ...common, flood: flood(POOL) })],
      ['unique', counted({ ...common, flood: flood(0) })],
    ];
    const results = await alternate(loads, ROUNDS, (name, round, r) => {
      readsBy[name]?.push(reads() - before);
      const ok = r.statusCodes['200'] ?? 0;
      process.stderr.write(`  ${dialect} round ${round + 1} ${name.padEnd(6)} ${r.rps.toFixed(0).padStart(7)} req/s (valid ${(ok / DURATION).toFixed(0)}/s)  p99 ${r.latencyP99Ms} ms  storage reads ${readsBy[name]?.at(-1)}  other cpu ${(r.otherCpu * 100).toFixed(0)}%${r.otherCpu > 0.2 ? ' NOISY' : ''}\n`);
    });
    await new Promise((r) => setTimeout(r, 500));
    const m = (name: string, f: (r: LoadResult) => number) => median((results.get(name) ?? []).map(f));
    // After the unique flood (tens of thousands of distinct unknown digests): is the valid token still cached?
    const stillCached = patd.core.verifier.verifyCached(secret) !== undefined;
    const stats = patd.core.verifier.stats();
    return {
      dialect,
      rps: Object.fromEntries(['valid', 'repeat', 'unique'].map((n) => [n, m(n, (r) => r.rps)])),
      validRps: Object.fromEntries(['valid', 'repeat', 'unique'].map((n) => [n, m(n, (r) => (r.statusCodes['200'] ?? 0) / DURATION)])),
      reads: Object.fromEntries(Object.entries(readsBy).map(([k, v]) => [k, median(v)])),
      stillCached, entries: stats.entries, misses: stats.misses,
    };
  } finally {
    await patd.close();
    await db.drop();
  }
}

async function main(): Promise<void> {
  process.stderr.write(`GET /auth/verify flood: ${CONNECTIONS} connections, ${SHARE * 100}% unknown tokens, pool ${POOL}, warm-up ${WARMUP}s, measure ${DURATION}s, ${ROUNDS} rounds\n`);
  const rows: Row[] = [];
  for (const d of DIALECTS) rows.push(await benchDialect(d));
  const pad = (s: string, n: number) => s.padStart(n);
  console.log('');
  console.log(`${'dialect'.padEnd(9)}${pad('valid rps', 11)}${pad('repeat rps', 12)}${pad('ratio', 7)}${pad('unique rps', 12)}${pad('ratio', 7)}  ${'target'.padEnd(7)}${pad('valid-only req/s: valid/repeat/unique', 40)}${pad('storage reads/run', 20)}  cache after`);
  for (const r of rows) {
    const rr = (r.rps.repeat ?? 0) / (r.rps.valid ?? 1);
    const ru = (r.rps.unique ?? 0) / (r.rps.valid ?? 1);
    const v = r.validRps;
    console.log(`${r.dialect.padEnd(9)}${pad((r.rps.valid ?? 0).toFixed(0), 11)}${pad((r.rps.repeat ?? 0).toFixed(0), 12)}${pad(rr.toFixed(2), 7)}${pad((r.rps.unique ?? 0).toFixed(0), 12)}${pad(ru.toFixed(2), 7)}  ${(rr >= TARGET ? 'ok' : 'BELOW').padEnd(7)}${pad(`${(v.valid ?? 0).toFixed(0)}/${(v.repeat ?? 0).toFixed(0)}/${(v.unique ?? 0).toFixed(0)}`, 40)}${pad(`${r.reads.valid}/${r.reads.repeat}/${r.reads.unique}`, 20)}  valid token ${r.stillCached ? 'still cached' : 'EVICTED'}; ${r.entries} entries, ${r.misses} unknown digests`);
  }
  console.log('');
  console.log(`ratio = the load's req/s ÷ the all-valid req/s in the same run; target: repeat >= ${TARGET} (a flood of unknown tokens the negative cache knows costs what valid ones do)`);
  console.log('unique: every unknown token is new, so each costs one storage read; the valid token must stay cached throughout');
}

if (!perDialectProcess(DIALECTS)) main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
