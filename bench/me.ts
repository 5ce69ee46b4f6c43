/**
 * Benchmark: GET /api/v1/me with a PAT (Basic auth, scope profile:read) against a bare Fastify
 * route that returns the same JSON object, on SQLite and on PostgreSQL, in one run.
 *
 *   node --import tsx bench/me.ts
 *
 * It measures the compiled build in dist/ (what bin/patd runs; `npm run bench:*` builds it first),
 * not the TypeScript sources through tsx, whose transform makes the hot path ~20% slower.
 *
 * Env knobs: BENCH_DIALECTS=sqlite,postgres  BENCH_ROUNDS=3  BENCH_WARMUP=2  BENCH_DURATION=8
 *            BENCH_CONNECTIONS=50  BENCH_LOG_LEVEL=warn  PATD_BENCH_PG_URL=postgres://postgres@127.0.0.1:5432/postgres
 *            BENCH_ONLY=patd|bare (run one side only)
 *            BENCH_CPU_PROF=DIR  write a V8 CPU profile of the server for each measured window
 *                                (DIR/<dialect>-<bare|patd>-<round>.cpuprofile); summarise with
 *                                node --import tsx bench/lib/cpuprofile.ts FILE
 *
 * The servers run in this process; the load generator (autocannon) runs in a child process
 * (bench/lib/load.ts) so it never shares the server's event loop. Runs alternate
 * bare, patd, bare, patd, … and the table shows medians. Target: patd/bare >= 0.6.
 * DB statements issued by patd during each patd run are counted at the driver
 * (pg Client#query, better-sqlite3 Database#prepare) to show the hot path does not touch storage.
 */
import SQLite from 'better-sqlite3';
import Fastify from 'fastify';
import pg from 'pg';
import { makeLogger } from '../dist/adapters/logger.js';
import { loadConfig } from '../dist/config.js';
import { createPatd } from '../dist/server.js';
import { perDialectProcess } from './lib/per-dialect.js';
import { createTestDb } from '../test/helpers/db.js';
import { benchKnobs } from './lib/knobs.js';
import { profiler } from './lib/profiler.js';
import { alternate, type LoadOptions, type LoadResult, median } from './lib/load.js';

const env = process.env;
const { dialects: DIALECTS, rounds: ROUNDS, warmup: WARMUP, duration: DURATION, connections: CONNECTIONS, logLevel: LOG_LEVEL, pgAdminUrl: PG_ADMIN_URL, only: ONLY } = benchKnobs({ rounds: 3, logLevel: 'warn' });
const PROF_DIR = env.BENCH_CPU_PROF ?? '';
const TARGET = 0.6;
const PASSWORD = 'bench-admin-password-1';

// ---- count DB statements at the driver level ---------------------------------------------
let dbStatements = 0;
{
  const pgQuery = pg.Client.prototype.query;
  pg.Client.prototype.query = function (this: pg.Client, ...args: any[]) {
    dbStatements++;
    return (pgQuery as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof pgQuery;
  const proto = SQLite.prototype as unknown as { prepare: (...a: unknown[]) => unknown };
  const prepare = proto.prepare;
  proto.prepare = function (this: unknown, ...args: unknown[]) {
    dbStatements++;
    return prepare.apply(this, args);
  };
}

function createDb(dialect: 'sqlite' | 'postgres') {
  return createTestDb(dialect, { prefix: 'patd_bench_', adminUrl: PG_ADMIN_URL });
}

async function call(base: string, method: string, path: string, o: { headers?: Record<string, string>; body?: unknown } = {}): Promise<{ status: number; json: any; headers: Headers }> {
  const res = await fetch(base + path, {
    method, headers: { ...(o.body !== undefined ? { 'content-type': 'application/json' } : {}), ...o.headers },
    body: o.body !== undefined ? JSON.stringify(o.body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null, headers: res.headers };
}

interface Row {
  dialect: string;
  bare: number;
  patd: number;
  ratio: number;
  bareBytes: number;
  patdBytes: number;
  bodyBytes: number;
  patdP50: number;
  bareP50: number;
  patdCpu: number;
  bareCpu: number;
  bareUs: number;
  patdUs: number;
  otherMax: number;
  stmtsPerRun: number[];
  reqsPerRun: number[];
}

async function benchDialect(dialect: 'sqlite' | 'postgres'): Promise<Row> {
  const db = await createDb(dialect);
  const config = loadConfig({
    PATD_DATA_DIR: db.dataDir, PATD_DATABASE_URL: db.url, PATD_HOST: '127.0.0.1', PATD_PORT: '0', PATD_LOG_LEVEL: LOG_LEVEL,
    PATD_SECRET: 'bench-secret-bench-secret-bench-secret-01',
  });
  const patd = await createPatd(config, { logger: makeLogger(LOG_LEVEL) });
  const bare = Fastify();
  try {
    await patd.accounts.bootstrap(PASSWORD);
    const base = await patd.listen();

    // Sign in, create an org and a PAT through the HTTP API.
    const s = await call(base, 'POST', '/api/v1/session', { body: { username: 'admin', password: PASSWORD } });
    if (s.status !== 200) throw new Error(`sign-in failed: ${s.status} ${JSON.stringify(s.json)}`);
    const cookie = (s.headers.get('set-cookie') ?? '').split(';')[0] as string;
    const session = { cookie, 'x-csrf-token': s.json.csrfToken as string };
    const org = await call(base, 'POST', '/api/v1/orgs', { headers: session, body: { name: 'bench-org', displayName: 'Bench Org' } });
    if (org.status !== 201) throw new Error(`create org failed: ${org.status} ${JSON.stringify(org.json)}`);
    const tok = await call(base, 'POST', '/api/v1/tokens', { headers: session, body: { name: 'bench', scopes: ['profile:read'], expiresInDays: 30 } });
    if (tok.status !== 201) throw new Error(`create token failed: ${tok.status} ${JSON.stringify(tok.json)}`);
    const authorization = `Basic ${Buffer.from(`:${tok.json.secret}`).toString('base64')}`;

    // The real /me body, served as-is by the bare route.
    const me = await call(base, 'GET', '/api/v1/me', { headers: { authorization } });
    if (me.status !== 200) throw new Error(`GET /me failed: ${me.status} ${JSON.stringify(me.json)}`);
    const body = me.json;
    bare.get('/api/v1/me', async () => body);
    const bareBase = await bare.listen({ host: '127.0.0.1', port: 0 });

    const common = { headers: { authorization }, connections: CONNECTIONS, warmupSec: WARMUP, durationSec: DURATION };
    const stmtsPerRun: number[] = [];
    const reqsPerRun: number[] = [];
    let before = 0;
    const loads: [string, () => LoadOptions][] = [];
    let n = 0;
    if (ONLY !== 'patd') loads.push(['bare', () => ({ ...common, url: `${bareBase}/api/v1/me`, ...profiler(PROF_DIR, `${dialect}-bare-${++n}.cpuprofile`) })]);
    if (ONLY !== 'bare') loads.push(['patd', () => { before = dbStatements; return { ...common, url: `${base}/api/v1/me`, ...profiler(PROF_DIR, `${dialect}-patd-${++n}.cpuprofile`) }; }]);
    const results = await alternate(loads, ROUNDS, (name, round, r) => {
      if (name === 'patd') {
        stmtsPerRun.push(dbStatements - before);
        reqsPerRun.push(r.requests);
      }
      process.stderr.write(`  ${dialect} round ${round + 1} ${name.padEnd(4)} ${r.rps.toFixed(0).padStart(7)} req/s  p50 ${r.latencyP50Ms} ms  p99 ${r.latencyP99Ms} ms  cpu: server ${(r.serverCpu * 100).toFixed(0)}% (sys ${(r.serverSysCpu * 100).toFixed(0)}%, ${((r.serverSysCpu * 1e6) / r.rps).toFixed(1)} µs/req; elu ${(r.serverElu * 100).toFixed(0)}%) loadgen ${(r.loadgenCpu * 100).toFixed(0)}% other ${(r.otherCpu * 100).toFixed(0)}%${r.otherCpu > 0.2 ? ' NOISY' : ''}  ${r.bytesPerResponse.toFixed(0)} B/resp${name === 'patd' ? `  db stmts ${stmtsPerRun.at(-1)}` : ''}\n`);
    });
    // Requests whose client hung up at the end of a run may still be in the verifier (e.g. a
    // PostgreSQL snapshot reload); let them finish before the store is closed.
    await new Promise((r) => setTimeout(r, 1000));
    const m = (name: string, f: (r: LoadResult) => number) => median((results.get(name) ?? []).map(f));
    const bareRps = m('bare', (r) => r.rps);
    const patdRps = m('patd', (r) => r.rps);
    return {
      dialect, bare: bareRps, patd: patdRps, ratio: patdRps / bareRps,
      bareBytes: m('bare', (r) => r.bytesPerResponse), patdBytes: m('patd', (r) => r.bytesPerResponse), bodyBytes: JSON.stringify(body).length,
      bareP50: m('bare', (r) => r.latencyP50Ms), patdP50: m('patd', (r) => r.latencyP50Ms),
      bareCpu: m('bare', (r) => r.serverCpu), patdCpu: m('patd', (r) => r.serverCpu),
      bareUs: m('bare', (r) => (r.serverCpu * 1e6) / r.rps), patdUs: m('patd', (r) => (r.serverCpu * 1e6) / r.rps),
      otherMax: Math.max(...[...results.values()].flat().map((r) => r.otherCpu)),
      stmtsPerRun, reqsPerRun,
    };
  } finally {
    await bare.close();
    await patd.close();
    await db.drop();
  }
}

async function main(): Promise<void> {
  process.stderr.write(`GET /api/v1/me: ${CONNECTIONS} keep-alive connections, warm-up ${WARMUP}s, measure ${DURATION}s, ${ROUNDS} alternating rounds, log level ${LOG_LEVEL}\n`);
  const rows: Row[] = [];
  for (const d of DIALECTS) rows.push(await benchDialect(d));

  const pad = (s: string, n: number) => s.padStart(n);
  console.log('');
  console.log(`${'dialect'.padEnd(9)}${pad('bare rps', 10)}${pad('patd rps', 10)}${pad('ratio', 7)}  ${'target'.padEnd(7)}${pad('cpu ratio', 10)}${pad('bare p50', 9)}${pad('patd p50', 9)}${pad('server CPU µs/req', 19)}${pad('bytes/resp', 12)}${pad('db stmts/patd run', 19)}`);
  for (const r of rows) {
    const ok = r.ratio >= TARGET ? 'ok' : 'BELOW';
    console.log(`${r.dialect.padEnd(9)}${pad(r.bare.toFixed(0), 10)}${pad(r.patd.toFixed(0), 10)}${pad(r.ratio.toFixed(2), 7)}  ${`${ok}`.padEnd(7)}${pad((r.bareUs / r.patdUs).toFixed(2), 10)}${pad(`${r.bareP50}ms`, 9)}${pad(`${r.patdP50}ms`, 9)}${pad(`${r.bareUs.toFixed(1)}/${r.patdUs.toFixed(1)}`, 19)}${pad(`${r.bareBytes.toFixed(0)}/${r.patdBytes.toFixed(0)}`, 12)}${pad(r.stmtsPerRun.join(','), 19)}`);
  }
  console.log('');
  for (const r of rows) {
    const reqs = r.reqsPerRun.reduce((a, b) => a + b, 0) + 0;
    const stmts = r.stmtsPerRun.reduce((a, b) => a + b, 0);
    console.log(`${r.dialect}: JSON body ${r.bodyBytes} B; server CPU (median) bare ${(r.bareCpu * 100).toFixed(0)}% / patd ${(r.patdCpu * 100).toFixed(0)}% of a core; ${stmts} DB statements over ${reqs} measured /me requests + warm-ups (${((stmts / Math.max(reqs, 1)) * 1000).toFixed(3)} per 1000)`);
  }
  const noisy = rows.filter((r) => r.otherMax > 0.2);
  if (noisy.length) console.log(`warning: other processes used up to ${Math.max(...noisy.map((r) => r.otherMax * 100)).toFixed(0)}% of a core during ${noisy.map((r) => r.dialect).join(', ')} runs; rps figures are noisy (CPU µs/req is less affected)`);
  console.log('cpu ratio = bare server CPU µs/req ÷ patd server CPU µs/req: the same comparison, less sensitive to other load on the machine');
  console.log(`target: ratio >= ${TARGET} on every dialect`);
}

if (!perDialectProcess(DIALECTS)) main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
