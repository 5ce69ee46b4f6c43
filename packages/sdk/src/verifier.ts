import { tokenKey, TtlLru } from './cache.js';
import { PatdError } from './errors.js';
import { clientAuthorization, INACTIVE, introspect } from './introspect.js';
import { hasScope, inOrg } from './scopes.js';
import type { FetchLike, InactiveResult, Verifier, VerifierOptions, VerifyOptions, VerifyResult } from './types.js';

const NO_SCOPE: InactiveResult = Object.freeze({ active: false as const, reason: 'insufficient_scope' as const });
const NO_ORG: InactiveResult = Object.freeze({ active: false as const, reason: 'org_forbidden' as const });
/** Longer strings are not patd tokens: answered inactive without asking patd. */
const MAX_TOKEN_LENGTH = 4096;

function applyChecks(result: VerifyResult, opts: VerifyOptions | undefined): VerifyResult {
  if (opts === undefined || !result.active) return result;
  if (opts.scope !== undefined && !hasScope(result.scopes, opts.scope)) return NO_SCOPE;
  if (opts.org !== undefined && !inOrg(result, opts.org)) return NO_ORG;
  return result;
}

/**
 * Create a token verifier that asks patd's introspection endpoint (RFC 7662) and caches
 * the answers.
 *
 * - Answers (active and inactive) are reused for at most `cacheTtlMs` (default 10 s), and
 *   an active answer never past the token's `exp`. So a revoked token may still be
 *   accepted for up to `cacheTtlMs`; lower it (or call `clear()`) if that matters.
 * - Cache keys are SHA-256 digests of the tokens, never the tokens themselves.
 * - Concurrent `verify()` calls for one token share one request.
 * - If patd cannot answer, `verify()` throws a `PatdError`; errors are not cached.
 *
 * @example
 * ```ts
 * import { createVerifier } from '@patd/sdk';
 *
 * const verifier = createVerifier({
 *   url: 'https://patd.example.com',
 *   clientId: process.env.PATD_CLIENT_ID!,
 *   clientSecret: process.env.PATD_CLIENT_SECRET!,
 * });
 * const r = await verifier.verify(token, { scope: 'packaging:read', org: 'acme' });
 * if (r.active) console.log(`hello ${r.username}`);
 * ```
 */
export function createVerifier(options: VerifierOptions): Verifier {
  const { url, clientId, clientSecret, cacheTtlMs = 10_000, maxEntries = 10_000, timeoutMs = 5_000 } = options;
  if (!url) throw new TypeError('createVerifier: "url" is required');
  if (!clientId || !clientSecret) throw new TypeError('createVerifier: "clientId" and "clientSecret" are required');
  const fetchImpl: FetchLike = options.fetch ?? (globalThis.fetch as unknown as FetchLike);
  const now = options.now ?? Date.now;
  const endpoint = `${url.replace(/\/+$/, '')}/oauth/introspect`;
  const authorization = clientAuthorization(clientId, clientSecret);
  const cache = new TtlLru<VerifyResult>(cacheTtlMs > 0 ? maxEntries : 0);
  const inflight = new Map<string, Promise<VerifyResult>>();
  const closer = new AbortController();
  let generation = 0;
  let closed = false;

  function lookup(key: string, token: string): Promise<VerifyResult> {
    const startedAt = now();
    const gen = generation;
    const timeout = AbortSignal.timeout(timeoutMs);
    // AbortSignal.any arrived in Node 20.3; without it close() cannot abort, the timeout still applies.
    const signal = typeof AbortSignal.any === 'function' ? AbortSignal.any([closer.signal, timeout]) : timeout;
    const p = introspect(fetchImpl, endpoint, authorization, token, signal)
      .then((result) => {
        // An answer started before clear() may predate a revocation: hand it out, don't keep it.
        if (gen === generation) {
          const until = result.active ? Math.min(startedAt + cacheTtlMs, result.exp * 1000) : startedAt + cacheTtlMs;
          cache.set(key, result, until, now());
        }
        return result;
      })
      .finally(() => {
        if (inflight.get(key) === p) inflight.delete(key);
      });
    inflight.set(key, p);
    return p;
  }

  return {
    verify(token: string, opts?: VerifyOptions): Promise<VerifyResult> {
      if (closed) return Promise.reject(new PatdError('closed', 'the verifier was closed'));
      if (typeof token !== 'string' || token === '' || token.length > MAX_TOKEN_LENGTH) {
        return Promise.resolve(INACTIVE);
      }
      const key = tokenKey(token);
      const hit = cache.get(key, now());
      if (hit !== undefined) return Promise.resolve(applyChecks(hit, opts));
      const pending = inflight.get(key) ?? lookup(key, token);
      return opts === undefined ? pending : pending.then((r) => applyChecks(r, opts));
    },
    clear(): void {
      generation++;
      cache.clear();
      inflight.clear();
    },
    close(): void {
      closed = true;
      generation++;
      cache.clear();
      inflight.clear();
      closer.abort();
    },
  };
}
