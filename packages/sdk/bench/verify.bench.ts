/**
 * Micro benchmark: cached `verify()` calls per second on one core.
 * Run from the repository root: npm run bench:sdk (builds packages/sdk/dist first: it measures the
 * compiled SDK that services import, not the sources through tsx).
 * Options (env): BENCH_SECONDS (default 2), BENCH_TOKENS (distinct cached tokens, default 1000).
 */
import { createHash } from 'node:crypto';
import { tokenKey } from '../dist/cache.js';
import { createVerifier, type FetchLike } from '../dist/index.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 2);
const distinct = Number(process.env.BENCH_TOKENS ?? 1000);
const exp = Math.floor(Date.now() / 1000) + 3600;
let requests = 0;
const fetch: FetchLike = async () => {
  requests++;
  return {
    status: 200,
    json: async () => ({ active: true, scope: 'code:write', username: 'alice', sub: 'u_1', exp, iat: exp - 3600, orgs: ['acme'] }),
  };
};
// A long TTL so that the run measures the cached path only.
const verifier = createVerifier({ url: 'http://patd.invalid', clientId: 'bench', clientSecret: 'bench', cacheTtlMs: 3_600_000, fetch });
const tokens = Array.from({ length: distinct }, (_, i) => `patd_${String(i).padStart(43, '0')}abcdef`);

async function run(label: string, ms: number, call: (token: string) => Promise<unknown> | unknown): Promise<number> {
  let calls = 0;
  const start = performance.now();
  const deadline = start + ms;
  while (performance.now() < deadline) {
    for (let i = 0; i < 1000; i++) await call(tokens[(calls + i) % distinct] as string);
    calls += 1000;
  }
  const perSecond = calls / ((performance.now() - start) / 1000);
  if (label) console.log(`${label.padEnd(44)} ${Math.round(perSecond).toLocaleString('en-US').padStart(12)} calls/s`);
  return perSecond;
}

for (const t of tokens) await verifier.verify(t); // fill the cache
await run('', 500, (t) => verifier.verify(t)); // warm-up (JIT)
await run('', 300, (t) => verifier.verify(t, { scope: 'code:read', org: 'acme' }));

console.log(`node ${process.version}, ${distinct} distinct cached tokens, ${seconds} s per line, awaited calls`);
const cached = await run('verify(token) [cached]', seconds * 1000, (t) => verifier.verify(t));
await run('verify(token, {scope,org}) [cached]', seconds * 1000, (t) => verifier.verify(t, { scope: 'code:read', org: 'acme' }));
await run('reference: tokenKey() (sha-256) alone', seconds * 1000, (t) => tokenKey(t));
await run('reference: createHash(sha256) alone', seconds * 1000, (t) => createHash('sha256').update(t).digest('base64'));
if (requests !== distinct) throw new Error(`expected ${distinct} introspection requests, saw ${requests}`);
console.log(cached >= 500_000 ? 'OK: cached verify() ≥ 500,000 calls/s' : 'BELOW TARGET: cached verify() < 500,000 calls/s');
