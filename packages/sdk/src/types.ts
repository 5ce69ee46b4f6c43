/** patd's answer for a token that is not usable (unknown, expired, revoked, owner disabled…). */
export interface InactiveResult {
  active: false;
  /**
   * Set only when patd said the token is active but `verify(token, {scope, org})` found it
   * lacks the scope or org asked for. Absent: patd itself said the token is not usable.
   */
  reason?: 'insufficient_scope' | 'org_forbidden';
}

/** patd's answer for a usable token. */
export interface ActiveResult {
  active: true;
  /** Owner's username. */
  username: string;
  /** Owner's user id (introspection `sub`). */
  userId: string;
  /** The token's public id, when patd sends one (`jti` / `token_id`). */
  tokenId?: string;
  /** Granted scopes, as patd sent them (see `hasScope` for implication). */
  scopes: string[];
  /**
   * Org names the token may be used in right now. For a global token patd lists all of the
   * owner's current orgs (minus those whose policy refuses global tokens). `"*"` is accepted
   * from servers that do not expand global tokens.
   */
  orgs: string[] | '*';
  /** Expiry, unix seconds. */
  exp: number;
  /** Issued at, unix seconds. */
  iat: number;
  /** Introspection client id patd reports, when present. */
  clientId?: string;
}

/** Result of `Verifier.verify()`. */
export type VerifyResult = ActiveResult | InactiveResult;

/** Checks `verify()` can apply on top of patd's answer. */
export interface VerifyOptions {
  /** Required scope (implied scopes count: `code:write` satisfies `code:read`). */
  scope?: string;
  /** Org the request is for: must be one of the answer's `orgs` (`"*"` satisfies any org). */
  org?: string;
}

/** The subset of `fetch` the verifier uses; inject your own for proxies or tests. */
export type FetchLike = (
  url: string,
  init: { method: string; headers: Record<string, string>; body: string; signal?: AbortSignal },
) => Promise<{ status: number; json(): Promise<unknown> }>;

/** Options of `createVerifier`. */
export interface VerifierOptions {
  /** patd's base URL, e.g. `https://patd.example.com` (a trailing slash is fine). */
  url: string;
  /** Resource-server client id registered with `patd client add`. */
  clientId: string;
  /** Its secret. */
  clientSecret: string;
  /**
   * How long an answer is reused, in ms (default 10 000). This is also the longest a
   * revoked token can still be accepted by this process. 0 disables caching.
   */
  cacheTtlMs?: number;
  /** Most answers kept; least recently used ones are dropped first (default 10 000). */
  maxEntries?: number;
  /** Give up on patd after this many ms (default 5 000). */
  timeoutMs?: number;
  /** `fetch` implementation (default: the global one). */
  fetch?: FetchLike;
  /** Clock in ms since the epoch (default `Date.now`); for tests. */
  now?: () => number;
}

/** Verifies tokens against patd, with a cache. Created by `createVerifier`. */
export interface Verifier {
  /**
   * Ask patd (or the cache) whether `token` is active. With `opts.scope` / `opts.org`, an
   * active token lacking the scope or org yields `{active:false, reason}`.
   */
  verify(token: string, opts?: VerifyOptions): Promise<VerifyResult>;
  /** Forget every cached answer (e.g. on a revocation webhook). */
  clear(): void;
  /** Clear, abort requests in flight; later `verify()` calls throw `PatdError('closed')`. */
  close?(): void;
}
