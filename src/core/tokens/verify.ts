import { hash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { Invalidation } from '../changes.js';
import type { Clock } from '../clock.js';
import { PatdError } from '../errors.js';
import type { Membership, Token, User } from '../model.js';
import { memberOrgFacts } from '../policies/facts.js';
import { checkUse, type OrgFacts, usableOrgs } from '../policies/token-use.js';
import type { Store } from '../ports.js';
import type { ScopeCatalog } from '../scopes/catalog.js';
import { isWellFormed } from './format.js';
import { dailyCounts, mergeBack, newUse, noteUse, type PendingUse } from './usage.js';

/** Everything needed to decide on a token without touching storage. */
interface Snapshot {
  token: Token;
  user: User;
  /** The owner's orgs as the token-use policy sees them, by org name. */
  orgs: Map<string, OrgFacts>;
  /** Set when this digest is a regenerated token's previous secret. */
  oldUntil: number | null;
  loadedAt: number;
  /** Built once per snapshot: the hot path returns it as it is (callers must not change it). */
  principal: TokenPrincipal;
}

export interface TokenPrincipal {
  user: User;
  token: Token;
  /** Orgs the token may be used in right now (names). */
  orgs: string[];
  memberships: Membership[];
  /** The secret presented is one a regenerate replaced (still in its grace period): it may use the token, not change tokens. */
  replacedSecret: boolean;
}

export interface VerifyOptions {
  scope?: string;
  org?: string;
  ip?: string | null;
}

export interface VerifierOptions {
  prefix: string;
  /** How long a snapshot is trusted before storage is asked again (bounds cross-instance staleness). */
  ttlMs: number;
  /** Verified tokens kept (least recently used go first). */
  maxEntries?: number;
  /** Unknown digests remembered, in a cache of their own so a flood of them never evicts real entries. */
  maxMisses?: number;
}

/** The token a failure was about, for the onFailure hook (kept off the error so it never reaches a response). */
const failedToken = new WeakMap<PatdError, { tokenId: string; userId: string }>();

const INVALID = 'the token is malformed or unknown';

/** Digest sets by token, user and org: invalidations find their entries without walking the cache. */
class Index {
  private readonly m = new Map<string, Set<string>>();
  add(k: string, digest: string): void {
    let s = this.m.get(k);
    if (!s) this.m.set(k, (s = new Set()));
    s.add(digest);
  }
  remove(k: string, digest: string): void {
    const s = this.m.get(k);
    if (s?.delete(digest) && s.size === 0) this.m.delete(k);
  }
  digests(k: string): Iterable<string> {
    return this.m.get(k) ?? [];
  }
}

/**
 * Checks presented secrets. The hot path is one SHA-256 and a cache look-up: verified tokens
 * are kept in an LRU cache, unknown digests in a smaller one of their own, both re-read after
 * `ttlMs`. Changes drop affected entries through `invalidate` (on this instance after commit,
 * and from other instances through the invalidation transport). Concurrent misses for one
 * digest share one load. Last-used times are batched and written by `flushUsage`.
 */
export class TokenVerifier {
  private readonly hits: LRUCache<string, Snapshot>;
  private readonly misses: LRUCache<string, number>;
  private readonly byToken = new Index();
  private readonly byUser = new Index();
  private readonly byOrg = new Index();
  private readonly loading = new Map<string, Promise<Snapshot | null>>();
  private readonly usage = new Map<string, PendingUse>();
  /** Bumped by every invalidation, so a load that started before one does not store stale data. */
  private generation = 0;
  /** Running totals for metrics: plain increments on the hot path, read when /metrics is scraped. */
  readonly counts = {
    /** Checks that passed; refusals by code. */
    ok: 0,
    refusals: new Map<string, number>(),
    /** Cache look-ups: a verified entry, a known-unknown digest, or neither (storage is asked). */
    hits: 0,
    negativeHits: 0,
    misses: 0,
    /** Invalidations applied: from this instance's commits, or heard from other instances. */
    invalidations: { local: 0, remote: 0 },
  };
  onFailure: ((code: string, hint: { tokenId?: string; userId?: string; ip?: string | null }) => void) | null = null;

  constructor(
    private readonly store: Store,
    private readonly catalog: ScopeCatalog,
    private readonly clock: Clock,
    private readonly opts: VerifierOptions,
  ) {
    this.hits = new LRUCache<string, Snapshot>({ max: opts.maxEntries ?? 100_000, dispose: (s, digest) => this.unindex(digest, s) });
    this.misses = new LRUCache<string, number>({ max: opts.maxMisses ?? 10_000 });
  }

  /** Checks a secret against the options; resolves the principal or rejects with a PatdError. */
  verify(secret: string, o: VerifyOptions = {}): Promise<TokenPrincipal> {
    try {
      const hit = this.verifyCached(secret, o);
      if (hit) return Promise.resolve(hit);
    } catch (e) {
      return Promise.reject(e);
    }
    return this.verifySlow(secret, o);
  }

  /**
   * The synchronous hot path: the principal when the cache can decide, undefined when storage
   * must be asked (then call `verify`). Throws the PatdError of a refusal.
   */
  verifyCached(secret: string, o: VerifyOptions = {}): TokenPrincipal | undefined {
    const digest = hash('sha256', secret);
    const now = this.clock.now();
    const ttl = this.ttl();
    const snap = this.hits.get(digest);
    if (snap !== undefined && now - snap.loadedAt <= ttl) {
      this.counts.hits++;
      return this.decide(snap, now, o);
    }
    const missAt = this.misses.get(digest);
    if (missAt !== undefined && now - missAt <= ttl) {
      this.counts.negativeHits++;
      throw this.failed(new PatdError('token_invalid', INVALID), o);
    }
    this.counts.misses++;
    return undefined;
  }

  /**
   * The principal when the cache holds this secret's check and it passes; undefined in every
   * other case, with nothing recorded: a refusal or a miss is left to `verifyCached`/`verify`,
   * which count and report it once (the HTTP hot path answers only what this accepts).
   */
  verifyHit(secret: string, o: VerifyOptions = {}): TokenPrincipal | undefined {
    const snap = this.hits.get(hash('sha256', secret));
    const now = this.clock.now();
    if (snap === undefined || now - snap.loadedAt > this.ttl()) return undefined;
    if (this.refusal(snap, now, o)) return undefined;
    this.counts.hits++;
    return this.admit(snap, now, o.ip ?? null);
  }

  private async verifySlow(secret: string, o: VerifyOptions): Promise<TokenPrincipal> {
    try {
      if (!isWellFormed(secret, this.opts.prefix)) throw new PatdError('token_invalid', INVALID);
      const snap = await this.load(hash('sha256', secret));
      if (!snap) throw new PatdError('token_invalid', INVALID);
      return this.decide(snap, this.clock.now(), o);
    } catch (e) {
      if (e instanceof PatdError && !failedToken.has(e)) this.failed(e, o);
      throw e;
    }
  }

  private decide(snap: Snapshot, now: number, o: VerifyOptions): TokenPrincipal {
    try {
      return this.check(snap, now, o);
    } catch (e) {
      if (e instanceof PatdError) {
        failedToken.set(e, { tokenId: snap.token.id, userId: snap.user.id });
        this.failed(e, o);
      }
      throw e;
    }
  }

  private failed(e: PatdError, o: VerifyOptions): PatdError {
    this.counts.refusals.set(e.code, (this.counts.refusals.get(e.code) ?? 0) + 1);
    // Which token failed, when known (revoked, rotated, expired …): the audit names it for its owner.
    if (this.onFailure) this.onFailure(e.code, { ip: o.ip, ...failedToken.get(e) });
    return e;
  }

  private check(snap: Snapshot, now: number, o: VerifyOptions): TokenPrincipal {
    const refused = this.refusal(snap, now, o);
    if (refused) throw refused;
    return this.admit(snap, now, o.ip ?? null);
  }

  /** Why this snapshot may not be used as asked (the token-use policy included), or null. Changes nothing. */
  private refusal(snap: Snapshot, now: number, o: VerifyOptions): PatdError | null {
    const { token, user } = snap;
    if (token.revokedAt !== null) return new PatdError('token_revoked', 'the token has been revoked');
    if (snap.oldUntil !== null && snap.oldUntil <= now) {
      return new PatdError('token_rotated', 'the token was regenerated; this secret is no longer valid');
    }
    if (token.expiresAt <= now) return new PatdError('token_expired', 'the token has expired');
    if (user.disabled) return new PatdError('user_disabled', 'the account that owns this token is disabled');
    if (o.scope && !this.catalog.grants(token.scopes, o.scope)) {
      return new PatdError('insufficient_scope', `the token lacks the scope "${o.scope}"`, { scope: o.scope });
    }
    if (o.org !== undefined) {
      const f = snap.orgs.get(o.org);
      if (!f) return new PatdError('org_forbidden', `the token may not be used in org "${o.org}"`, { org: o.org });
      try {
        checkUse(token, f, now, o.ip ?? null);
      } catch (e) {
        if (e instanceof PatdError) return e;
        throw e;
      }
    }
    return null;
  }

  /** A use that passed: noted for the last-used batch and counted. */
  private admit(snap: Snapshot, now: number, ip: string | null): TokenPrincipal {
    const { token } = snap;
    const u = this.usage.get(token.id);
    if (u) noteUse(u, now, ip);
    else this.usage.set(token.id, newUse(token.id, now, ip));
    this.counts.ok++;
    return snap.principal;
  }

  /** One storage read per digest at a time; the result is cached unless an invalidation raced it. */
  private load(digest: string): Promise<Snapshot | null> {
    let p = this.loading.get(digest);
    if (!p) {
      const gen = this.generation;
      p = this.read(digest).then((snap) => {
        if (gen === this.generation) this.put(digest, snap);
        return snap;
      }).finally(() => this.loading.delete(digest));
      this.loading.set(digest, p);
    }
    return p;
  }

  private async read(digest: string): Promise<Snapshot | null> {
    const r = this.store.r;
    const now = this.clock.now();
    let token = await r.tokens.byDigest(digest);
    let oldUntil: number | null = null;
    if (!token) {
      const old = await r.tokens.oldDigest(digest);
      if (old) {
        token = await r.tokens.byId(old.tokenId);
        oldUntil = old.validUntil;
      }
    }
    const user = token ? await r.users.byId(token.userId) : null;
    if (!token || !user) return null;
    const facts = await memberOrgFacts(r, user.id);
    const orgs = new Map(facts.map((f) => [f.orgName, f] as const));
    const principal = {
      user, token, orgs: usableOrgs(token, facts, now), memberships: facts.flatMap((f) => (f.membership ? [f.membership] : [])), replacedSecret: oldUntil !== null,
    };
    return { token, user, orgs, oldUntil, loadedAt: now, principal };
  }

  private put(digest: string, snap: Snapshot | null): void {
    if (!snap) {
      this.misses.set(digest, this.clock.now());
      return;
    }
    this.misses.delete(digest);
    this.hits.set(digest, snap);
    this.byToken.add(snap.token.id, digest);
    this.byUser.add(snap.user.id, digest);
    for (const o of this.orgIdsOf(snap)) this.byOrg.add(o, digest);
  }

  private unindex(digest: string, snap: Snapshot): void {
    this.byToken.remove(snap.token.id, digest);
    this.byUser.remove(snap.user.id, digest);
    for (const o of this.orgIdsOf(snap)) this.byOrg.remove(o, digest);
  }

  private orgIdsOf(snap: Snapshot): Set<string> {
    const ids = new Set<string>(snap.token.orgIds ?? []);
    for (const f of snap.orgs.values()) ids.add(f.orgId);
    return ids;
  }

  /** Drops every cached check that an invalidation touches (a change committed here or on another instance). */
  invalidate(i: Invalidation, source: 'local' | 'remote' = 'local'): void {
    this.counts.invalidations[source]++;
    this.generation++;
    const digests = new Set<string>();
    for (const id of i.tokens) for (const d of this.byToken.digests(id)) digests.add(d);
    for (const id of i.users) for (const d of this.byUser.digests(id)) digests.add(d);
    for (const id of i.orgs) for (const d of this.byOrg.digests(id)) digests.add(d);
    for (const d of digests) this.hits.delete(d);
  }

  invalidateToken(tokenId: string): void {
    this.invalidate({ tokens: [tokenId], users: [], orgs: [] });
  }
  invalidateUser(userId: string): void {
    this.invalidate({ tokens: [], users: [userId], orgs: [] });
  }
  invalidateOrg(orgId: string): void {
    this.invalidate({ tokens: [], users: [], orgs: [orgId] });
  }
  invalidateAll(source: 'local' | 'remote' = 'local'): void {
    this.counts.invalidations[source]++;
    this.generation++;
    this.hits.clear();
    this.misses.clear();
  }

  /** Cache sizes (for metrics and benchmarks). */
  stats(): { entries: number; misses: number } {
    return { entries: this.hits.size, misses: this.misses.size };
  }

  // ---- the cross-instance transport's part (docs/instances.md) ----

  /** Lowered while the invalidation transport is down, so a missed message cannot outlive it. */
  private ttlCapMs = Number.POSITIVE_INFINITY;

  /** How long a cached check (or a known-unknown digest) is trusted right now. */
  private ttl(): number {
    return Math.min(this.opts.ttlMs, this.ttlCapMs);
  }

  /** Trust cached checks for at most `ms` (null: `ttlMs` again). */
  limitTtl(ms: number | null): void {
    this.ttlCapMs = ms ?? Number.POSITIVE_INFINITY;
  }

  /** Writes batched last-used times and per-day counts (one transaction); called on a timer and at shutdown. */
  async flushUsage(): Promise<void> {
    if (this.usage.size === 0) return;
    const batch = [...this.usage.values()];
    this.usage.clear();
    try {
      await this.store.tx(async (r) => {
        await r.tokens.touch(batch);
        await r.usage.add(dailyCounts(batch));
      });
    } catch (e) {
      // Storage is locked or away: keep the uses for the next flush rather than lose them.
      for (const u of batch) this.usage.set(u.id, mergeBack(u, this.usage.get(u.id)));
      throw e;
    }
  }
}
