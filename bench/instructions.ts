/**
 * Benchmark: instructions per request, counted by valgrind (callgrind), for a bare Fastify hello
 * service and for patd's GET /api/v1/me and GET /auth/verify with a PAT (cached), each server in
 * a process of its own. Instruction counts do not depend on what else the machine is doing, so
 * they show a change of a few percent that req/s (±15% run to run here) cannot; they leave out
 * the kernel's share and cache misses, so bench:pinned stays the figure for throughput.
 *
 *   npm run bench:instructions     (builds dist/ first; needs valgrind)
 *
 * Env knobs: BENCH_DIALECTS=sqlite  BENCH_LOG_LEVEL=info  BENCH_WARMUP_REQUESTS=6000
 *            BENCH_REQUESTS=4000  PATD_BENCH_PG_URL=…
 *            BENCH_CALLGRIND_DIR=DIR  keep the callgrind files there (DIR/<target>.callgrind), for
 *                                     `callgrind_annotate --inclusive=no DIR/me.callgrind`; the
 *                                     servers then write /tmp/perf-PID.map, which names JIT code
 *
 * Each target gets the warm-up twice over (all targets in turn, so the JIT sees the mix a server
 * sees), then is counted alone over BENCH_REQUESTS requests (8 keep-alive connections).
 * Counting starts and stops with callgrind_control, so start-up is not counted.
 *
 * Earlier runs on Node 20 were bimodal: in about every other patd process, V8's feedback for the
 * object literal in process.nextTick went megamorphic (idle garbage collections rebuilt the
 * literal's hidden classes), and /me cost ~150 k instructions instead of ~110 k. patd now keeps
 * one nextTick entry alive (src/adapters/next-tick-shape.ts); `node --allow-natives-syntax` and
 * `%DebugPrint(process.nextTick)` show the caches' state.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTestDb } from '../test/helpers/db.js';
import { benchKnobs } from './lib/knobs.js';

const env = process.env;
const { logLevel: LOG_LEVEL, pgAdminUrl: PG_ADMIN_URL } = benchKnobs({ rounds: 1, logLevel: 'info' });
const DIALECTS = (env.BENCH_DIALECTS ?? 'sqlite').split(',').map((s) => s.trim()) as ('sqlite' | 'postgres')[];
const WARMUP = Number(env.BENCH_WARMUP_REQUESTS ?? 6000);
const REQUESTS = Number(env.BENCH_REQUESTS ?? 4000);
const CONNECTIONS = 8;
const KEEP = env.BENCH_CALLGRIND_DIR ?? '';
const lib = (f: string) => fileURLToPath(new URL(`./lib/${f}`, import.meta.url));

interface Counted { server: ChildProcess; out: string; ready: { url: string; authorization?: string } }

/** Starts `script` under callgrind with counting off; resolves with what it sends over IPC. */
async function underCallgrind(script: string, extraEnv: Record<string, string>): Promise<Counted> {
  const out = mkdtempSync(join(tmpdir(), 'patd-callgrind-'));
  const server = spawn('valgrind', ['--tool=callgrind', '--instr-atstart=no', '--smc-check=all-non-file', `--callgrind-out-file=${out}/cg.%p`, process.execPath, ...(KEEP ? ['--perf-basic-prof'] : []), script], {
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'], env: { ...env, ...extraEnv },
  });
  let stderr = '';
  server.stderr?.on('data', (d) => { stderr += d; });
  const ready = await new Promise<Counted['ready']>((resolve, reject) => {
    server.once('message', (m) => resolve(m as Counted['ready']));
    server.once('exit', (code) => reject(new Error(`${script} under valgrind exited with ${code}: ${stderr.slice(-2000)}`)));
  });
  return { server, out, ready };
}

const agent = new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS });
const get = (url: string, authorization?: string) => new Promise<void>((resolve, reject) => {
  const q = http.get(url, { agent, headers: authorization ? { authorization } : {} }, (res) => {
    res.resume();
    res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`${url}: ${res.statusCode}`))));
  });
  q.on('error', reject);
});
async function load(url: string, authorization: string | undefined, n: number): Promise<void> {
  let sent = 0;
  await Promise.all(Array.from({ length: CONNECTIONS }, async () => {
    while (sent++ < n) await get(url, authorization);
  }));
}

/** Instructions per request of each target, in the order given. */
async function count(c: Counted, targets: [string, string][]): Promise<Map<string, number>> {
  const pid = String(c.server.pid);
  const control = (...a: string[]) => execFileSync('callgrind_control', [...a, pid], { stdio: 'pipe' });
  const auth = c.ready.authorization;
  for (let i = 0; i < 2; i++) for (const [, url] of targets) await load(url, auth, WARMUP);
  for (const [name, url] of targets) {
    await load(url, auth, 500);
    control('-z');
    control('-i', 'on');
    await load(url, auth, REQUESTS);
    control('-i', 'off');
    control('-d', name);
  }
  const exited = new Promise((r) => c.server.once('exit', r));
  c.server.disconnect();
  await exited;
  const out = new Map<string, number>();
  for (const f of readdirSync(c.out)) {
    const text = readFileSync(join(c.out, f), 'utf8');
    const name = /^desc: Trigger: dump (\S+)$/m.exec(text)?.[1];
    const total = /^totals: (\d+)$/m.exec(text)?.[1];
    if (name && total) out.set(name, Number(total) / REQUESTS);
    if (name && KEEP) copyFileSync(join(c.out, f), join(KEEP, `${name}.callgrind`));
  }
  rmSync(c.out, { recursive: true, force: true });
  return out;
}

async function main(): Promise<void> {
  try {
    execFileSync('valgrind', ['--version'], { stdio: 'pipe' });
  } catch {
    throw new Error('bench:instructions needs valgrind (Debian package valgrind)');
  }
  if (KEEP) mkdirSync(KEEP, { recursive: true });
  process.stderr.write(`instructions: ${WARMUP} warm-up and ${REQUESTS} counted requests per target, ${CONNECTIONS} connections; node ${process.version}; log level ${LOG_LEVEL}\n`);
  const bare = await underCallgrind(lib('bare-hello.mjs'), {});
  const hello = (await count(bare, [['hello', `${bare.ready.url}/hello`]])).get('hello') ?? Number.NaN;
  const k = (n: number) => `${(n / 1000).toFixed(1)} k`;
  console.log('');
  console.log('dialect   bare hello        /me  ratio   /auth/verify  ratio   (instructions per request; ratio = bare / patd)');
  for (const dialect of DIALECTS) {
    const db = await createTestDb(dialect, { prefix: 'patd_bench_', adminUrl: PG_ADMIN_URL });
    try {
      const patd = await underCallgrind(lib('patd-server.mjs'), { PATD_DATABASE_URL: db.url, PATD_DATA_DIR: db.dataDir, BENCH_LOG_LEVEL: LOG_LEVEL });
      const r = await count(patd, [['me', `${patd.ready.url}/api/v1/me`], ['verify', `${patd.ready.url}/auth/verify`]]);
      const me = r.get('me') ?? Number.NaN;
      const verify = r.get('verify') ?? Number.NaN;
      console.log(`${dialect.padEnd(9)} ${k(hello).padStart(10)} ${k(me).padStart(10)} ${(hello / me).toFixed(2).padStart(6)} ${k(verify).padStart(14)} ${(hello / verify).toFixed(2).padStart(6)}`);
    } finally {
      await db.drop();
    }
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
