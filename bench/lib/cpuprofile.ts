/**
 * Summarises a V8 .cpuprofile (from `node --cpu-prof`): self time by function, self time by
 * package / source file, and inclusive time of functions whose name matches a filter.
 *
 *   node --import tsx bench/lib/cpuprofile.ts PROFILE.cpuprofile [topN] [inclusiveRegex]
 *   node --import tsx bench/lib/cpuprofile.ts --buckets REQUESTS PROFILE.cpuprofile…
 *     → CPU per request (µs) by bucket: each sample goes to the first bucket matched walking
 *       from the leaf frame towards the root (so a native writev lands in "node http/net",
 *       a crypto Hash called from the verifier lands in "verifier").
 */
import { readFileSync } from 'node:fs';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile { nodes: Node[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number }

export function summarise(file: string, topN = 40, inclusive?: RegExp): string {
  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfUs = new Map<number, number>();
  for (const [i, id] of p.samples.entries()) selfUs.set(id, (selfUs.get(id) ?? 0) + (p.timeDeltas[i] ?? 0));
  const total = [...selfUs.values()].reduce((a, b) => a + b, 0);

  const where = (n: Node) => {
    const u = n.callFrame.url;
    if (!u) return '(native/vm)';
    const nm = u.lastIndexOf('node_modules/');
    if (nm >= 0) {
      const rest = u.slice(nm + 13).split('/');
      return rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1]}` : (rest[0] ?? u);
    }
    if (u.startsWith('node:')) return u;
    const src = u.indexOf('/src/');
    return src >= 0 ? u.slice(src + 1) : u.replace(/^file:\/\//, '');
  };
  const label = (n: Node) => `${n.callFrame.functionName || '(anonymous)'} ${where(n)}:${n.callFrame.lineNumber + 1}`;
  const pct = (us: number) => `${((us / total) * 100).toFixed(1).padStart(5)}%`;

  const fn = new Map<string, number>();
  const pkg = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const n = byId.get(id) as Node;
    fn.set(label(n), (fn.get(label(n)) ?? 0) + us);
    pkg.set(where(n), (pkg.get(where(n)) ?? 0) + us);
  }
  const out: string[] = [`${file}: ${(total / 1e6).toFixed(2)} s sampled`, '', 'self time by function:'];
  for (const [k, v] of [...fn].sort((a, b) => b[1] - a[1]).slice(0, topN)) out.push(`  ${pct(v)}  ${k}`);
  out.push('', 'self time by package / file:');
  for (const [k, v] of [...pkg].sort((a, b) => b[1] - a[1]).slice(0, topN)) out.push(`  ${pct(v)}  ${k}`);
  if (inclusive) {
    // Inclusive time: a sample counts once for each distinct matching frame label on its stack.
    const inc = new Map<string, number>();
    for (const [id, us] of selfUs) {
      const seen = new Set<string>();
      for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
        const n = byId.get(cur) as Node;
        const l = label(n);
        if (inclusive.test(l) && !seen.has(l)) {
          seen.add(l);
          inc.set(l, (inc.get(l) ?? 0) + us);
        }
      }
    }
    out.push('', `inclusive time of frames matching ${inclusive}:`);
    for (const [k, v] of [...inc].sort((a, b) => b[1] - a[1]).slice(0, topN)) out.push(`  ${pct(v)}  ${k}`);
  }
  return out.join('\n');
}

/** Ordered bucket rules, matched against "functionName where:line" labels. */
export const HTTP_BUCKETS: [string, RegExp][] = [
  ['gc', /^\(garbage collector\)/],
  ['idle/program', /^\((idle|program)\)/],
  ['logging (pino child/redact)', / (pino|@pinojs\/redact|pino-std-serializers|sonic-boom|abstract-logging):/],
  ['@fastify/cookie', / (@fastify\/cookie|cookie):/],
  ['serialization', / (fast-json-stringify|@fastify\/fast-json-stringify-compiler):|^stringify \(native/],
  ['verifier (src/core/tokens, ids, scopes)', / src\/core\/(tokens|scopes|policies)\/|src\/core\/ids\.ts/],
  ['auth (http/auth.ts, credentials.ts)', / src\/adapters\/http\/(auth|credentials)\.ts/],
  ['/me handler + userView', / src\/adapters\/http\/routes\/me\.ts| src\/core\/accounts\//],
  ['patd app.ts hooks/genReqId', / src\/adapters\/http\/app\.ts/],
  ['metrics (prom-client)', / prom-client:| src\/adapters\/http\/routes\/health\.ts/],
  ['storage', / (kysely|better-sqlite3|pg|pg-pool|pg-protocol):| src\/adapters\/storage\//],
  ['node http/net/streams', /node:(_http|net|internal\/stream|internal\/streams|stream)|^writev|^(parserOn|Socket)/],
  ['fastify core', / (fastify|find-my-way|avvio|@fastify\/[a-z-]+|fastq|toad-cache|rfdc|secure-json-parse):/],
  ['bench (bare route, profiler start)', /bench\/me\.ts/],
  ['node events', /node:events/],
  ['microtasks/ticks', /runMicrotasks|processTicksAndRejections|task_queues/],
];

export function buckets(file: string, requests: number, rules = HTTP_BUCKETS): Map<string, number> {
  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const where = (u: string) => {
    if (!u) return '(native/vm)';
    const nm = u.lastIndexOf('node_modules/');
    if (nm >= 0) {
      const rest = u.slice(nm + 13).split('/');
      return rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1]}` : (rest[0] ?? u);
    }
    if (u.startsWith('node:')) return u;
    const i = u.indexOf('/src/');
    if (i >= 0) return u.slice(i + 1);
    const b = u.indexOf('/bench/');
    return b >= 0 ? u.slice(b + 1) : u;
  };
  const memo = new Map<number, string>();
  const bucketOf = (id: number): string => {
    const hit = memo.get(id);
    if (hit) return hit;
    let out = 'other';
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const n = byId.get(cur) as Node;
      const label = `${n.callFrame.functionName || '(anonymous)'} ${where(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;
      const r = rules.find(([, re]) => re.test(label));
      if (r) {
        out = r[0];
        break;
      }
    }
    memo.set(id, out);
    return out;
  };
  const us = new Map<string, number>();
  p.samples.forEach((id, i) => {
    const b = bucketOf(id);
    us.set(b, (us.get(b) ?? 0) + (p.timeDeltas[i] ?? 0));
  });
  return new Map([...us].map(([k, v]) => [k, v / requests]));
}

if (process.argv[1] && process.argv[2] === '--buckets') {
  const requests = Number(process.argv[3]);
  const files = process.argv.slice(4);
  const cols = files.map((f) => buckets(f, requests));
  const names = [...new Set(cols.flatMap((c) => [...c.keys()]))].sort((a, b) => (cols.at(-1)?.get(b) ?? 0) - (cols.at(-1)?.get(a) ?? 0));
  console.log(`µs per request (${requests} requests per profile)`);
  console.log(`${'bucket'.padEnd(42)}${files.map((f) => f.split('/').at(-1)?.replace('.cpuprofile', '').padStart(18)).join('')}`);
  for (const n of names) console.log(`${n.padEnd(42)}${cols.map((c) => (c.get(n) ?? 0).toFixed(2).padStart(18)).join('')}`);
  const busy = (c: Map<string, number>) => [...c].filter(([k]) => k !== 'idle/program').reduce((a, [, v]) => a + v, 0);
  console.log(`${'total excl. idle/program'.padEnd(42)}${cols.map((c) => busy(c).toFixed(2).padStart(18)).join('')}`);
} else if (process.argv[1] && import.meta.url === `file://${process.argv[1]}`) {
  const [file, top, re] = process.argv.slice(2);
  if (!file) throw new Error('usage: cpuprofile.ts PROFILE [topN] [inclusiveRegex]');
  console.log(summarise(file, Number(top ?? 40), re ? new RegExp(re) : undefined));
}
