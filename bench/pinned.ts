/**
 * Benchmark: patd's hot path side by side with a bare Fastify route that answers "hello",
 * the server pinned to core 0 and the load generator to core 1 (taskset), on SQLite and
 * PostgreSQL; then the cross-instance revocation lag and the verifier's memory per cached token.
 *
 *   npm run bench:pinned      (builds dist/ first; node --expose-gc --import tsx bench/pinned.ts)
 *
 * Env knobs: BENCH_DIALECTS=sqlite,postgres  BENCH_ROUNDS=3  BENCH_WARMUP=2  BENCH_DURATION=8
 *            BENCH_CONNECTIONS=50  BENCH_LOG_LEVEL=info (patd's default)  PATD_BENCH_PG_URL=…
 *            BENCH_LAG_TRIES=20  BENCH_MEM_TOKENS=20000
 *            BENCH_CPU_PROF=DIR  a V8 CPU profile of the measured patd server, over its whole life
 *                                (node --cpu-prof: DIR/CPU.*.cpuprofile, one per dialect)
 *
 * Both services run in processes of their own, pinned to the same core, as they would be
 * deployed: the bare one (bench/lib/bare-hello.mjs) and patd (bench/lib/patd-server.mjs: the
 * server `patd serve` builds, workers included, logging JSON lines to a file descriptor). In this
 * benchmark's process patd would share its JIT feedback, timers and heap with the benchmark
 * itself. The lag and memory figures use instances in this process, after the hot path.
 * Loads alternate bare, /api/v1/me (PAT, Basic), /auth/verify (PAT, Basic), `rounds` times; the
 * table shows medians. Targets: patd ≥ 0.7 × bare on both stores, p99 ≤ 2 × bare's.
 * Lag: token cached on instance B, revoked on instance A (same database): the time from A's
 * answer until B refuses (polled every 2 ms), median and worst of BENCH_LAG_TRIES.
 * Memory: heap growth per token after verifying BENCH_MEM_TOKENS distinct tokens (after GC).
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { makeLogger } from '../dist/adapters/logger.js';
import { loadConfig } from '../dist/config.js';
import { digestToken, generateToken, tokenHint } from '../dist/core/tokens/format.js';
import { createPatd, type Patd } from '../dist/server.js';
import { createTestDb } from '../test/helpers/db.js';
import { benchKnobs } from './lib/knobs.js';
import { alternate, type LoadOptions, type LoadResult, median, pin } from './lib/load.js';
import { perDialectProcess } from './lib/per-dialect.js';

const env = process.env;
const { dialects: DIALECTS, rounds: ROUNDS, warmup: WARMUP, duration: DURATION, connections: CONNECTIONS, logLevel: LOG_LEVEL, pgAdminUrl: PG_ADMIN_URL } = benchKnobs({ rounds: 3, logLevel: 'info' });
const LAG_TRIES = Number(env.BENCH_LAG_TRIES ?? 20);
const MEM_TOKENS = Number(env.BENCH_MEM_TOKENS ?? 20_000);
const PROF_DIR = env.BENCH_CPU_PROF ?? '';
const LIB = (f: string) => fileURLToPath(new URL(`./lib/${f}`, import.meta.url));
const PASSWORD = 'bench-admin-password-1';
const SERVER_CPU = 0;
const LOAD_CPU = 1;

const configFor = (db: { dataDir: string; url: string }) => loadConfig({
  PATD_DATA_DIR: db.dataDir, PATD_DATABASE_URL: db.url, PATD_HOST: '127.0.0.1', PATD_PORT: '0', PATD_LOG_LEVEL: LOG_LEVEL,
  PATD_SECRET: 'bench-secret-bench-secret-bench-secret-01',
});

async function issue(patd: Patd, scopes: string[]): Promise<{ id: string; secret: string }> {
  const admin = await patd.accounts.byUsername('admin');
  const caller = { user: admin, token: null, ip: null, userAgent: 'bench' };
  const r = await patd.tokens.create(caller, admin, { name: `bench ${scopes.join(' ')}`, scopes, expiresInDays: 30 }, { via: 'api' });
  return { id: r.token.id, secret: r.secret };
}

interface Row {
  dialect: string;
  rps: Record<string, number>;
  p99: Record<string, number>;
  lag: { median: number; worst: number; tries: number };
  bytesPerToken: number;
}

/** A service in a process of its own, pinned to the server's core: it sends what it offers (its URL …) over IPC. */
async function service<T extends { url: string }>(file: string, o: { env?: NodeJS.ProcessEnv; execArgv?: string[] } = {}): Promise<T & { pid: number; stop: () => Promise<void> }> {
  const child = fork(LIB(file), [], { execArgv: o.execArgv ?? [], env: o.env ?? process.env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const offer = await new Promise<T>((resolve, reject) => {
    child.once('message', (m) => resolve(m as T));
    child.once('exit', (code) => reject(new Error(`${file} exited with code ${code}`)));
  });
  pin(child.pid as number, SERVER_CPU);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return { ...offer, pid: child.pid as number, stop: () => {
    child.disconnect();
    return exited;
  } };
}

async function hotPath(dialect: string, db: { dataDir: string; url: string }): Promise<Map<string, LoadResult[]>> {
  const bare = await service('bare-hello.mjs');
  const patd = await service<{ url: string; authorization: string }>('patd-server.mjs', {
    env: { ...process.env, PATD_DATA_DIR: db.dataDir, PATD_DATABASE_URL: db.url, BENCH_LOG_LEVEL: LOG_LEVEL },
    execArgv: PROF_DIR ? ['--cpu-prof', `--cpu-prof-dir=${PROF_DIR}`] : [],
  });
  try {
    const { authorization } = patd;
    for (const path of ['/api/v1/me', '/auth/verify']) {
      const r = await fetch(patd.url + path, { headers: { authorization } });
      if (r.status !== 200) throw new Error(`${path}: ${r.status} ${await r.text()}`);
    }
    const common = { connections: CONNECTIONS, warmupSec: WARMUP, durationSec: DURATION, cpu: LOAD_CPU };
    const loads: [string, () => LoadOptions][] = [
      ['bare', () => ({ ...common, url: `${bare.url}/hello`, serverPid: bare.pid })],
      ['me', () => ({ ...common, url: `${patd.url}/api/v1/me`, headers: { authorization }, serverPid: patd.pid })],
      ['verify', () => ({ ...common, url: `${patd.url}/auth/verify`, headers: { authorization }, serverPid: patd.pid })],
    ];
    return await alternate(loads, ROUNDS, (name, round, r) => {
      process.stderr.write(`  ${dialect} round ${round + 1} ${name.padEnd(6)} ${r.rps.toFixed(0).padStart(7)} req/s  p50 ${r.latencyP50Ms} ms  p99 ${r.latencyP99Ms} ms  server cpu ${(r.serverCpu * 100).toFixed(0)}%  load generator ${(r.loadgenCpu * 100).toFixed(0)}%  other ${(r.otherCpu * 100).toFixed(0)}%${r.otherCpu > 0.2 ? ' NOISY' : ''}\n`);
    });
  } finally {
    await patd.stop();
    await bare.stop();
  }
}

/** Revoke on A, poll B until it refuses: milliseconds from A's answer. */
async function lag(a: Patd, b: Patd, baseA: string, baseB: string): Promise<number[]> {
  const out: number[] = [];
  const s = await fetch(`${baseA}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: PASSWORD }) });
  const cookie = (s.headers.get('set-cookie') ?? '').split(';')[0] as string;
  const csrf = ((await s.json()) as { csrfToken: string }).csrfToken;
  for (let i = 0; i < LAG_TRIES; i++) {
    const t = await issue(a, ['code:read']);
    const authorization = `Bearer ${t.secret}`;
    if ((await fetch(`${baseB}/auth/verify`, { headers: { authorization } })).status !== 200) throw new Error('B does not accept the token');
    const del = await fetch(`${baseA}/api/v1/tokens/${t.id}`, { method: 'DELETE', headers: { cookie, 'x-csrf-token': csrf } });
    if (del.status !== 204) throw new Error(`revoke failed: ${del.status}`);
    const t0 = performance.now();
    for (;;) {
      if ((await fetch(`${baseB}/auth/verify`, { headers: { authorization } })).status === 401) break;
      if (performance.now() - t0 > 30_000) throw new Error('B never refused within 30 s');
      await new Promise((r) => setTimeout(r, 2));
    }
    out.push(performance.now() - t0);
  }
  void b;
  return out;
}

/** Heap bytes per cached verification, after verifying `n` distinct tokens (needs --expose-gc). */
async function memoryPerToken(patd: Patd): Promise<number> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return Number.NaN;
  const admin = await patd.accounts.byUsername('admin');
  const secrets: string[] = [];
  const now = patd.core.clock.now();
  for (let i = 0; i < MEM_TOKENS; i += 500) {
    await patd.store.tx(async (r) => {
      for (let j = i; j < Math.min(i + 500, MEM_TOKENS); j++) {
        const s = generateToken(patd.config.tokenPrefix);
        secrets.push(s);
        await r.tokens.insert({
          id: `tok_mem${j}`, userId: admin.id, name: `m${j}`, hint: tokenHint(s, patd.config.tokenPrefix), scopes: ['code:read'], orgIds: null, createdAt: now,
          expiresAt: now + 86_400_000, lastUsedAt: null, lastUsedIp: null, revokedAt: null, revokedBy: null, revokedReason: null,
          createdVia: 'api', clientName: null, userAgent: null, createdIp: null, version: 1,
        }, digestToken(s));
      }
    });
  }
  const v = patd.core.verifier;
  v.invalidateAll();
  gc();
  const before = process.memoryUsage().heapUsed;
  for (const s of secrets) await v.verify(s);
  gc();
  const after = process.memoryUsage().heapUsed;
  if (v.stats().entries < MEM_TOKENS) throw new Error(`only ${v.stats().entries} of ${MEM_TOKENS} cached`);
  return (after - before) / MEM_TOKENS;
}

async function benchDialect(dialect: 'sqlite' | 'postgres'): Promise<Row> {
  pin(process.pid, SERVER_CPU);
  const db = await createTestDb(dialect, { prefix: 'patd_bench_', adminUrl: PG_ADMIN_URL });
  // Logs are written as in production (to a file descriptor), just not to this terminal.
  const sink = () => pino.destination({ dest: '/dev/null', sync: false });
  // The hot path first, patd in a process of its own (it also creates the admin and a token).
  let a: Patd | undefined;
  let b: Patd | undefined;
  try {
    const results = await hotPath(db.dialect, db);
    a = await createPatd(configFor(db), { logger: makeLogger(LOG_LEVEL, sink()) });
    await a.accounts.bootstrap(PASSWORD);
    const baseA = await a.listen();
    b = await createPatd(configFor(db), { logger: makeLogger('warn', sink()) });
    const baseB = await b.listen();
    const lags = await lag(a, b, baseA, baseB);
    await b.close();
    const bytesPerToken = await memoryPerToken(a);
    const m = (name: string, f: (r: LoadResult) => number) => median((results.get(name) ?? []).map(f));
    return {
      dialect,
      rps: Object.fromEntries(['bare', 'me', 'verify'].map((n) => [n, m(n, (r) => r.rps)])),
      p99: Object.fromEntries(['bare', 'me', 'verify'].map((n) => [n, m(n, (r) => r.latencyP99Ms)])),
      lag: { median: median(lags), worst: Math.max(...lags), tries: lags.length },
      bytesPerToken,
    };
  } finally {
    await b?.close().catch(() => {});
    await a?.close();
    await db.drop();
  }
}

async function main(): Promise<void> {
  process.stderr.write(`pinned: server on CPU ${SERVER_CPU}, load on CPU ${LOAD_CPU}; ${CONNECTIONS} connections, ${ROUNDS} × ${DURATION} s after ${WARMUP} s warm-up; node ${process.version}; log level ${LOG_LEVEL}\n`);
  const rows: Row[] = [];
  for (const d of DIALECTS) {
    process.stderr.write(`${d}:\n`);
    rows.push(await benchDialect(d));
  }
  const f = (n: number) => Math.round(n).toLocaleString('en-US');
  console.log('');
  console.log('dialect   bare hello   /me req/s  ratio   /auth/verify  ratio   p99 ms bare/me/verify   revocation lag ms (median/worst)   heap per cached token');
  for (const r of rows) {
    const rm = (r.rps.me ?? 0) / (r.rps.bare ?? 1);
    const rv = (r.rps.verify ?? 0) / (r.rps.bare ?? 1);
    console.log(`${r.dialect.padEnd(9)} ${f(r.rps.bare ?? 0).padStart(10)} ${f(r.rps.me ?? 0).padStart(11)} ${rm.toFixed(2).padStart(6)} ${f(r.rps.verify ?? 0).padStart(13)} ${rv.toFixed(2).padStart(6)}   ${`${r.p99.bare}/${r.p99.me}/${r.p99.verify}`.padStart(21)}   ${`${r.lag.median.toFixed(1)}/${r.lag.worst.toFixed(1)} of ${r.lag.tries}`.padStart(32)}   ${Number.isNaN(r.bytesPerToken) ? 'run with --expose-gc' : `${f(r.bytesPerToken)} B`}`);
  }
  const ok = rows.every((r) => (r.rps.me ?? 0) / (r.rps.bare ?? 1) >= 0.7 && (r.rps.verify ?? 0) / (r.rps.bare ?? 1) >= 0.7
    && (r.p99.me ?? 0) <= 2 * (r.p99.bare ?? 0) && (r.p99.verify ?? 0) <= 2 * (r.p99.bare ?? 0));
  console.log(`\ntargets: ≥ 0.7 × bare hello and p99 ≤ 2 × bare's on both stores: ${ok ? 'ok' : 'BELOW'}`);
}

if (!perDialectProcess(DIALECTS)) main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
