/**
 * Shared HTTP load generator for benchmarks (bench/me.ts, bench/forward-auth.ts, …).
 *
 * `runLoad()` forks this same file as a child process that drives autocannon, so the load
 * generator never shares the server's event loop (or its CPU core, on a 2-core machine the
 * server gets one core and the generator the other). The parent can pass `server` hooks to
 * sample the server process's CPU time and event-loop utilisation over the measured window only.
 *
 * Usage:
 *   const r = await runLoad({ url, headers: { authorization }, connections: 50, warmupSec: 2, durationSec: 8 });
 *   r.rps, r.latencyP50Ms, r.bytesPerResponse, r.serverCpu …
 *   const results = await alternate([['bare', optsA], ['patd', optsB]], 2); // A,B,A,B
 *   median(results.get('patd')!.map((r) => r.rps));
 */
import { fork, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

export interface LoadOptions {
  url: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** Concurrent keep-alive connections (default 50). */
  connections?: number;
  /** Requests in flight per connection (default 1: no pipelining). */
  pipelining?: number;
  /** Unmeasured run before the measured one (default 2 s). */
  warmupSec?: number;
  /** Measured run (default 8 s). */
  durationSec?: number;
  /** Fail the run when any response has another status (default 200). */
  expectStatus?: number;
  /** Accept these statuses instead of `expectStatus` alone (a mixed load). */
  expectStatuses?: number[];
  /**
   * A mix of credentials instead of `headers.authorization`: each request carries `valid`
   * except a `share` of them, which carry a well-formed unknown token — from a pool of `pool`
   * tokens cycled through, or a fresh one every time when `pool` is 0.
   */
  flood?: { valid: string; share: number; pool: number; prefix: string };
  /** Pin the load generator to this CPU (taskset), e.g. when the server is pinned to another. */
  cpu?: number;
  /** The server is another process (e.g. a bare service): its CPU is read from /proc, not this process's. */
  serverPid?: number;
  /** Called in this process when the measured window starts / ends (e.g. to start a CPU profile). Not sent to the child. */
  onMeasureStart?: () => void | Promise<void>;
  onMeasureEnd?: () => void | Promise<void>;
}

export interface LoadResult {
  rps: number;
  requests: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  /** Average bytes read per response (status line + headers + body). */
  bytesPerResponse: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  statusCodes: Record<string, number>;
  /** Server (this process) CPU use over the measured window, as a share of one core. */
  serverCpu: number;
  /** The kernel (system) part of serverCpu. */
  serverSysCpu: number;
  /** Server (this process) event-loop utilisation over the measured window (0..1). */
  serverElu: number;
  /** Load generator (child) CPU use over the measured window, as a share of one core. */
  loadgenCpu: number;
  /**
   * CPU used by everything else on the machine over the measured window (share of one core):
   * other people's builds and tests show up here. Above ~0.2 the figures are noisy.
   */
  otherCpu: number;
}

type ChildMsg = { type: 'measuring' } | { type: 'done'; result: Omit<LoadResult, 'serverCpu' | 'serverSysCpu' | 'serverElu' | 'otherCpu'> } | { type: 'error'; message: string };

const SELF = fileURLToPath(import.meta.url);
const CHILD_FLAG = 'PATD_BENCH_LOAD_CHILD';

/** Runs warm-up + measured load from a child process and returns the measured figures. */
export function runLoad(o: LoadOptions): Promise<LoadResult> {
  const { onMeasureStart, onMeasureEnd, cpu, serverPid, ...wire } = o;
  const serverUsage = serverPid === undefined ? () => process.cpuUsage() : () => procCpuUsage(serverPid);
  const opts = { connections: 50, pipelining: 1, warmupSec: 2, durationSec: 8, method: 'GET', expectStatus: 200, ...wire };
  return new Promise((resolve, reject) => {
    const child = fork(SELF, [], {
      env: { ...process.env, [CHILD_FLAG]: '1' },
      // Only the TS loader: never inherit --cpu-prof & co. from the server process.
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    if (cpu !== undefined && child.pid) pin(child.pid, cpu);
    let cpu0: NodeJS.CpuUsage | null = null;
    let elu0: ReturnType<typeof performance.eventLoopUtilization> | null = null;
    let t0 = 0;
    let busy0 = 0;
    let settled = false;
    const fail = (e: Error) => {
      if (settled) return;
      settled = true;
      child.kill();
      reject(e);
    };
    child.on('message', async (m: ChildMsg) => {
      if (m.type === 'measuring') {
        await onMeasureStart?.();
        cpu0 = serverUsage();
        elu0 = performance.eventLoopUtilization();
        t0 = performance.now();
        busy0 = machineBusyUs();
      } else if (m.type === 'done') {
        await onMeasureEnd?.();
        const wallUs = (performance.now() - t0) * 1000;
        const now = serverUsage();
        const cpu = cpu0 ? { user: now.user - cpu0.user, system: now.system - cpu0.system } : { user: 0, system: 0 };
        const elu = elu0 ? performance.eventLoopUtilization(elu0).utilization : 0;
        const serverCpu = wallUs > 0 ? (cpu.user + cpu.system) / wallUs : 0;
        const machine = wallUs > 0 ? (machineBusyUs() - busy0) / wallUs : 0;
        const r: LoadResult = { ...m.result, serverCpu, serverSysCpu: wallUs > 0 ? cpu.system / wallUs : 0, serverElu: elu, otherCpu: Math.max(0, machine - serverCpu - m.result.loadgenCpu) };
        settled = true;
        const ok = (opts.expectStatuses ?? [opts.expectStatus]).reduce((n, c) => n + (r.statusCodes[String(c)] ?? 0), 0);
        if (r.errors > 0 || r.timeouts > 0 || ok !== r.requests) {
          reject(new Error(`load run against ${opts.url} was not clean: ${JSON.stringify({ errors: r.errors, timeouts: r.timeouts, statusCodes: r.statusCodes })}`));
        } else resolve(r);
      } else if (m.type === 'error') fail(new Error(m.message));
    });
    child.on('error', fail);
    child.on('exit', (code) => {
      if (!settled) fail(new Error(`load generator exited with code ${code}`));
    });
    child.send(opts);
  });
}

/** Pins a process and all its threads to one CPU (Linux taskset). */
export function pin(pid: number, cpu: number): void {
  const r = spawnSync('taskset', ['-a', '-p', '-c', String(cpu), String(pid)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`taskset failed: ${r.stderr || r.error}`);
}

/** USER_HZ: 100 on Linux for every architecture Node runs on. */
const CLOCK_TICKS = 100;

/** A process's CPU time from /proc/PID/stat (utime, stime), in µs like process.cpuUsage(). */
function procCpuUsage(pid: number): NodeJS.CpuUsage {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const tick = 1e6 / CLOCK_TICKS;
  return { user: Number(f[11]) * tick, system: Number(f[12]) * tick };
}

/** Busy CPU time of the whole machine, all cores, in µs. */
function machineBusyUs(): number {
  let busy = 0;
  for (const c of cpus()) busy += c.times.user + c.times.nice + c.times.sys + c.times.irq;
  return busy * 1000;
}

/** Runs each named load in turn, `rounds` times (A, B, A, B, …); returns every result by name. */
export async function alternate(loads: [string, LoadOptions | (() => LoadOptions)][], rounds: number, onResult?: (name: string, round: number, r: LoadResult) => void): Promise<Map<string, LoadResult[]>> {
  const out = new Map<string, LoadResult[]>(loads.map(([n]) => [n, []]));
  for (let i = 0; i < rounds; i++) {
    for (const [name, o] of loads) {
      const r = await runLoad(typeof o === 'function' ? o() : o);
      out.get(name)?.push(r);
      onResult?.(name, i, r);
    }
  }
  return out;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

// ---- child side -------------------------------------------------------------------------

async function childMain(): Promise<void> {
  const { default: autocannon } = await import('autocannon');
  const opts = await new Promise<Required<LoadOptions>>((res) => process.once('message', (m) => res(m as Required<LoadOptions>)));
  const base = {
    url: opts.url, method: opts.method as 'GET', headers: opts.headers, body: opts.body,
    connections: opts.connections, pipelining: opts.pipelining, timeout: 10,
  };
  const setup = opts.flood ? await floodSetup(opts.flood) : undefined;
  const run = (duration: number): Promise<any> => autocannon({ ...base, duration, ...(setup ? { requests: [{ setupRequest: setup }] } : {}) });
  if (opts.warmupSec > 0) await run(opts.warmupSec);
  process.send?.({ type: 'measuring' } satisfies ChildMsg);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const r = await run(opts.durationSec);
  const cpu = process.cpuUsage(cpu0);
  const loadgenCpu = (cpu.user + cpu.system) / ((performance.now() - t0) * 1000);
  const statusCodes: Record<string, number> = {};
  for (const [k, v] of Object.entries(r.statusCodeStats ?? {})) statusCodes[k] = (v as { count: number }).count;
  const requests = r.requests.total;
  process.send?.({
    type: 'done',
    result: {
      rps: requests / (r.duration || opts.durationSec), requests,
      latencyP50Ms: r.latency.p50, latencyP99Ms: r.latency.p99,
      bytesPerResponse: requests > 0 ? r.throughput.total / requests : 0,
      errors: r.errors, timeouts: r.timeouts, non2xx: r.non2xx, statusCodes, loadgenCpu,
    },
  } satisfies ChildMsg);
  process.disconnect?.();
}

/** Per request: the valid credential, or (a `share` of the time) a well-formed token that patd does not know. */
async function floodSetup(f: NonNullable<LoadOptions['flood']>): Promise<(req: { headers?: Record<string, string> }) => object> {
  const { generateToken } = await import('../../dist/core/tokens/format.js');
  const basic = (t: string) => `Basic ${Buffer.from(`:${t}`).toString('base64')}`;
  const pool = Array.from({ length: f.pool }, () => basic(generateToken(f.prefix)));
  let i = 0;
  let n = 0;
  // Deterministic interleaving: exactly `share` of the requests are unknown.
  const everyValid = Math.round(1 / (1 - f.share));
  return (req) => {
    const unknown = ++n % everyValid !== 0;
    const authorization = !unknown ? f.valid : pool.length ? (pool[i++ % pool.length] as string) : basic(generateToken(f.prefix));
    return { ...req, headers: { ...req.headers, authorization } };
  };
}

if (process.env[CHILD_FLAG] === '1' && process.argv[1] === SELF) {
  childMain().catch((e) => {
    process.send?.({ type: 'error', message: String(e?.stack ?? e) } satisfies ChildMsg);
    process.exitCode = 1;
  });
}
