/**
 * Benchmark: GET /auth/verify (forward-auth, valid token, Basic) against a bare Fastify route
 * that answers 200 with the same headers, on SQLite and PostgreSQL, in one run; then the SDK's
 * cached verify() calls per second on one core, against the same running patd.
 *
 *   node --import tsx bench/forward-auth.ts
 *
 * It measures the compiled builds in dist/ and packages/sdk/dist/ (what users run; `npm run
 * bench:forward-auth` builds them first), not the TypeScript sources through tsx.
 *
 * Env knobs: BENCH_DIALECTS=sqlite,postgres  BENCH_ROUNDS=2  BENCH_WARMUP=2  BENCH_DURATION=8
 *            BENCH_CONNECTIONS=50  BENCH_LOG_LEVEL=info (patd's production default)
 *            PATD_BENCH_PG_URL=postgres://postgres@127.0.0.1:5432/postgres  BENCH_SDK_SECONDS=3
 *            BENCH_ONLY=patd|bare (one load only, e.g. with node --cpu-prof)
 *
 * The servers run in this process; autocannon runs in a child process (bench/lib/load.ts).
 * Runs alternate bare, patd, bare, patd; the table shows medians. Targets: patd/bare >= 0.7,
 * SDK cached verify() >= 500,000 calls/s. Storage reads during the patd runs are counted at
 * the repositories to show that the hot path does not touch the database.
 */
import Fastify from 'fastify';
import { createVerifier } from '../packages/sdk/dist/index.js';
import { buildApp } from '../dist/adapters/http/app.js';
import { makeLogger } from '../dist/adapters/logger.js';
import { loadConfig } from '../dist/config.js';
import { createPatd, type Patd } from '../dist/server.js';
import { perDialectProcess } from './lib/per-dialect.js';
import { createTestDb } from '../test/helpers/db.js';
import { benchKnobs } from './lib/knobs.js';
import { alternate, type LoadOptions, median } from './lib/load.js';

const env = process.env;
const { dialects: DIALECTS, rounds: ROUNDS, warmup: WARMUP, duration: DURATION, connections: CONNECTIONS, logLevel: LOG_LEVEL, pgAdminUrl: PG_ADMIN_URL, only: ONLY } = benchKnobs({ rounds: 2, logLevel: 'info' });
const SDK_SECONDS = Number(env.BENCH_SDK_SECONDS ?? 3);
const PASSWORD = 'bench-admin-password-1';

function createDb(dialect: 'sqlite' | 'postgres') {
  return createTestDb(dialect, { prefix: 'patd_bench_', adminUrl: PG_ADMIN_URL });
}

/** Counts calls to every repository method (reads and writes) of the store outside transactions. */
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

interface Row { dialect: string; bare: number; app: number; patd: number; ratio: number; bareP50: number; patdP50: number; storage: number }

async function benchDialect(dialect: 'sqlite' | 'postgres', sdk: { result?: number }): Promise<Row> {
  const db = await createDb(dialect);
  const config = loadConfig({
    PATD_DATA_DIR: db.dataDir, PATD_DATABASE_URL: db.url, PATD_HOST: '127.0.0.1', PATD_PORT: '0', PATD_LOG_LEVEL: LOG_LEVEL,
    PATD_SECRET: 'bench-secret-bench-secret-bench-secret-01',
  });
  const patd = await createPatd(config, { logger: makeLogger(LOG_LEVEL) });
  const bare = Fastify();
  const closeLater: (() => Promise<unknown>)[] = [];
  try {
    await patd.accounts.bootstrap(PASSWORD);
    const base = await patd.listen();
    const admin = await patd.accounts.byUsername('admin');
    const caller = { user: admin, token: null, ip: null, userAgent: 'bench' };
    const { secret } = await patd.tokens.create(caller, admin, { name: 'bench', scopes: ['code:read'], orgs: '*', expiresInDays: 30 }, { via: 'api' });
    const authorization = `Basic ${Buffer.from(`:${secret}`).toString('base64')}`;
    const first = await fetch(`${base}/auth/verify`, { headers: { authorization } });
    if (first.status !== 200) throw new Error(`GET /auth/verify failed: ${first.status} ${await first.text()}`);
    const same: Record<string, string> = {};
    for (const h of ['x-patd-user', 'x-patd-user-id', 'x-patd-token-id', 'x-patd-scopes', 'x-patd-orgs', 'cache-control']) same[h] = first.headers.get(h) ?? '';
    bare.get('/auth/verify', async (_req, reply) => reply.headers(same).send());
    const bareBase = await bare.listen({ host: '127.0.0.1', port: 0 });
    // Second baseline: the same route inside patd's own app (same plugins, hooks, logger, request ids).
    const inApp = await buildApp({
      core: patd.core, accounts: patd.accounts, orgs: patd.orgs, tokens: patd.tokens, logger: patd.logger,
      http: { publicUrl: config.publicUrl, trustProxy: config.trustProxy }, ready: async () => {},
      extensions: [(a) => { a.get('/auth/verify', { config: { auth: 'none' }, logLevel: 'warn', schema: { hide: true } }, async (_req, reply) => reply.headers(same).send()); }],
    });
    closeLater.push(() => inApp.close());
    const inAppBase = await inApp.listen({ host: '127.0.0.1', port: 0 });

    const storage = countStorage(patd);
    const common = { headers: { authorization }, connections: CONNECTIONS, warmupSec: WARMUP, durationSec: DURATION };
    const loads: [string, LoadOptions][] = [];
    if (ONLY !== 'patd') loads.push(['bare', { ...common, url: `${bareBase}/auth/verify` }], ['app', { ...common, url: `${inAppBase}/auth/verify` }]);
    if (ONLY !== 'bare') loads.push(['patd', { ...common, url: `${base}/auth/verify` }]);
    const results = await alternate(loads, ROUNDS, (name, round, r) => {
      process.stderr.write(`  ${dialect} round ${round + 1} ${name.padEnd(4)} ${r.rps.toFixed(0).padStart(7)} req/s  p50 ${r.latencyP50Ms} ms  p99 ${r.latencyP99Ms} ms  server cpu ${(r.serverCpu * 100).toFixed(0)}%\n`);
    });
    const storageCalls = storage();

    if (sdk.result === undefined) sdk.result = await benchSdk(base, patd, secret);

    const m = (name: string, f: (r: { rps: number; latencyP50Ms: number }) => number) => median((results.get(name) ?? []).map(f));
    const b = m('bare', (r) => r.rps);
    const p = m('patd', (r) => r.rps);
    return { dialect, bare: b, app: m('app', (r) => r.rps), patd: p, ratio: p / b, bareP50: m('bare', (r) => r.latencyP50Ms), patdP50: m('patd', (r) => r.latencyP50Ms), storage: storageCalls };
  } finally {
    await bare.close();
    for (const c of closeLater) await c();
    await patd.close();
    await db.drop();
  }
}

/** The SDK's cached verify() on one core (this process, a single async loop), against the running patd. */
async function benchSdk(base: string, patd: Patd, token: string): Promise<number> {
  const { client, secret } = await patd.clients.add({ actor: { type: 'system', id: null, name: 'bench' }, ip: null, userAgent: null }, 'bench-sdk');
  const verifier = createVerifier({ url: base, clientId: client.id, clientSecret: secret, cacheTtlMs: 3_600_000 });
  const first = await verifier.verify(token);
  if (!first.active) throw new Error('SDK: the token is not active');
  const loop = async (ms: number) => {
    let calls = 0;
    const start = performance.now();
    while (performance.now() - start < ms) {
      for (let i = 0; i < 1000; i++) await verifier.verify(token, { scope: 'code:read' });
      calls += 1000;
    }
    return calls / ((performance.now() - start) / 1000);
  };
  await loop(500);
  const rate = await loop(SDK_SECONDS * 1000);
  verifier.close();
  return rate;
}

if (perDialectProcess(DIALECTS)) process.exit();
const rows: Row[] = [];
const sdk: { result?: number } = {};
for (const d of DIALECTS) {
  process.stderr.write(`${d}: ${ROUNDS} rounds × (bare, patd), ${CONNECTIONS} connections, ${DURATION} s each after ${WARMUP} s warm-up\n`);
  rows.push(await benchDialect(d, sdk));
}
const f = (n: number) => Math.round(n).toLocaleString('en-US');
console.log(`\nGET /auth/verify (valid token, Basic) vs a bare Fastify route — node ${process.version}, log level ${LOG_LEVEL}`);
console.log('bare: plain Fastify(), no logger; app: the same route inside patd\'s app (its plugins, hooks, logger)');
console.log('dialect    bare req/s    app req/s   patd req/s   patd/bare   patd/app  p50 bare/patd ms  storage calls during patd runs');
for (const r of rows) {
  console.log(`${r.dialect.padEnd(9)} ${f(r.bare).padStart(11)} ${f(r.app).padStart(12)} ${f(r.patd).padStart(12)} ${r.ratio.toFixed(2).padStart(11)} ${(r.patd / r.app).toFixed(2).padStart(10)}  ${`${r.bareP50}/${r.patdP50}`.padStart(16)}  ${r.storage}`);
}
console.log(`SDK cached verify(token, {scope}) against this patd: ${f(sdk.result ?? 0)} calls/s on one core`);
const ok = rows.every((r) => r.ratio >= 0.7) && (sdk.result ?? 0) >= 500_000;
console.log(ok ? 'OK: forward-auth >= 0.7 × bare; SDK cached verify >= 500,000/s' : 'BELOW TARGET');
process.exitCode = ok ? 0 : 1;
