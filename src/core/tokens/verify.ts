import { hash } from 'node:crypto';
import type { Invalidation } from '../changes.js';
import type { Clock } from '../clock.js';
import { PatdError } from '../errors.js';
import type { Membership, Policy, Token, User } from '../model.js';
import { ipAllowed } from '../policies/check.js';
import type { Store } from '../ports.js';
import type { ScopeCatalog } from '../scopes/catalog.js';
import { isWellFormed } from './format.js';

/** Everything needed to decide on a token without touching storage. */
interface Snapshot {
  token: Token;
  user: User;
  memberships: Map<string, Membership>; // by org name
  policies: Map<string, Policy>; // by org id
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
  maxEntries?: number;
}

type Miss = { missAt: number };
type Entry = Snapshot | Miss;

/** The token a failure was about, for the onFailure hook (kept off the error so it never reaches a response). */
const failedToken = new WeakMap<PatdError, { tokenId: string; userId: string }>();

const INVALID = 'the token is malformed or unknown';

/**
 * Checks presented secrets. The hot path is one SHA-256 and a map look-up: verified tokens
 * are cached in memory, invalidated explicitly on revoke, regenerate, edit, user disable,
 * membership and policy change, and re-read after `ttlMs` (changes made by another instance).
 * Concurrent misses for one digest share one load. Last-used times are batched and written
 * by `flushUsage`.
 */
export class TokenVerifier {
  private readonly cache = new Map<string, Entry>();
  private readonly loading = new Map<string, Promise<Entry>>();
  private readonly usage = new Map<string, { id: string; at: number; ip: string | null }>();
  private readonly max: number;
  /** Bumped by every invalidation, so a load that started before one does not store stale data. */
  private generation = 0;
  onFailure: ((code: string, hint: { tokenId?: string; userId?: string; ip?: string | null }) => void) | null = null;

  constructor(
    private readonly store: Store,
    private readonly catalog: ScopeCatalog,
    private readonly clock: Clock,
    private readonly opts: VerifierOptions,
  ) {
    this.max = opts.maxEntries ?? 100_000;
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
    const entry = this.cache.get(digest);
    const now = this.clock.now();
    if (entry === undefined || now - ('token' in entry ? entry.loadedAt : entry.missAt) > Math.min(this.opts.ttlMs, this.ttlCapMs)) return undefined;
    return this.decide(entry, now, o);
  }

  private async verifySlow(secret: string, o: VerifyOptions): Promise<TokenPrincipal> {
    try {
      if (!isWellFormed(secret, this.opts.prefix)) throw new PatdError('token_invalid', INVALID);
      const digest = hash('sha256', secret);
      const entry = await this.load(digest);
      return this.decide(entry, this.clock.now(), o);
    } catch (e) {
      if (e instanceof PatdError) this.failed(e, o);
      throw e;
    }
  }

  private decide(entry: Entry, now: number, o: VerifyOptions): TokenPrincipal {
    if (!('token' in entry)) throw this.failed(new PatdError('token_invalid', INVALID), o);
    try {
      return this.check(entry, now, o);
    } catch (e) {
      if (e instanceof PatdError) {
        failedToken.set(e, { tokenId: entry.token.id, userId: entry.user.id });
        this.failed(e, o);
      }
      throw e;
    }
  }

  private failed(e: PatdError, o: VerifyOptions): PatdError {
    // Which token failed, when known (revoked, rotated, expired …): the audit names it for its owner.
    if (this.onFailure) this.onFailure(e.code, { ip: o.ip, ...failedToken.get(e) });
    return e;
  }

  private check(snap: Snapshot, now: number, o: VerifyOptions): TokenPrincipal {
    const { token, user } = snap;
    if (token.revokedAt !== null) throw new PatdError('token_revoked', 'the token has been revoked');
    if (snap.oldUntil !== null && snap.oldUntil <= now) {
      throw new PatdError('token_rotated', 'the token was regenerated; this secret is no longer valid');
    }
    if (token.expiresAt <= now) throw new PatdError('token_expired', 'the token has expired');
    if (user.disabled) throw new PatdError('user_disabled', 'the account that owns this token is disabled');
    if (o.scope && !this.catalog.grants(token.scopes, o.scope)) {
      throw new PatdError('insufficient_scope', `the token lacks the scope "${o.scope}"`, { scope: o.scope });
    }
    if (o.org !== undefined) this.checkOrg(snap, o.org, o.ip ?? null);
    const ip = o.ip ?? null;
    const u = this.usage.get(token.id);
    if (u) {
      u.at = now;
      u.ip = ip;
    } else {
      this.usage.set(token.id, { id: token.id, at: now, ip });
    }
    return snap.principal;
  }

  private checkOrg(snap: Snapshot, orgName: string, ip: string | null): void {
    const m = snap.memberships.get(orgName);
    const t = snap.token;
    if (!m || (t.orgIds !== null && !t.orgIds.includes(m.orgId))) {
      throw new PatdError('org_forbidden', `the token may not be used in org "${orgName}"`);
    }
    const p = snap.policies.get(m.orgId);
    if (p && t.orgIds === null && !p.allowGlobalTokens) {
      throw new PatdError('org_forbidden', `org "${orgName}" does not accept global tokens`, { policy: 'allowGlobalTokens' });
    }
    if (p && !ipAllowed(p.ipAllowlist, ip)) throw new PatdError('ip_forbidden', `org "${orgName}" does not accept this token from your IP address`);
  }

  /** One storage read per digest at a time; the result is cached unless an invalidation raced it. */
  private load(digest: string): Promise<Entry> {
    let p = this.loading.get(digest);
    if (!p) {
      const gen = this.generation;
      p = this.read(digest).then((entry) => {
        if (gen === this.generation) this.put(digest, entry);
        return entry;
      }).finally(() => this.loading.delete(digest));
      this.loading.set(digest, p);
    }
    return p;
  }

  private async read(digest: string): Promise<Entry> {
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
    if (!token || !user) return { missAt: now };
    const memberships = new Map<string, Membership>();
    const policies = new Map<string, Policy>();
    for (const m of await r.members.listForUser(user.id)) {
      memberships.set(m.orgName, m);
      policies.set(m.orgId, await r.policies.get(m.orgId));
    }
    const orgs: string[] = [];
    for (const [name, m] of memberships) {
      if (token.orgIds === null ? policies.get(m.orgId)?.allowGlobalTokens !== false : token.orgIds.includes(m.orgId)) orgs.push(name);
    }
    const principal = { user, token, orgs, memberships: [...memberships.values()] };
    return { token, user, memberships, policies, oldUntil, loadedAt: now, principal };
  }

  private put(digest: string, v: Entry): void {
    this.cache.delete(digest);
    if (this.cache.size >= this.max) {
      const first = this.cache.keys().next();
      if (!first.done) this.cache.delete(first.value);
    }
    this.cache.set(digest, v);
  }

  private dropWhere(pred: (s: Snapshot) => boolean): void {
    this.generation++;
    for (const [k, v] of this.cache) if ('token' in v && pred(v)) this.cache.delete(k);
  }

  invalidateToken(tokenId: string): void {
    this.dropWhere((s) => s.token.id === tokenId);
  }
  invalidateUser(userId: string): void {
    this.dropWhere((s) => s.user.id === userId);
  }
  invalidateOrg(orgId: string): void {
    this.dropWhere((s) => s.policies.has(orgId) || (s.token.orgIds?.includes(orgId) ?? false));
  }
  /** Drops every cached check that an invalidation touches (a change committed here or on another instance). */
  invalidate(i: Invalidation): void {
    const tokens = new Set(i.tokens);
    const users = new Set(i.users);
    this.dropWhere((s) => tokens.has(s.token.id) || users.has(s.user.id) || i.orgs.some((o) => s.policies.has(o) || (s.token.orgIds?.includes(o) ?? false)));
  }
  invalidateAll(): void {
    this.generation++;
    this.cache.clear();
  }

  // ---- the cross-instance transport's part (docs/instances.md) ----

  /** Lowered while the invalidation transport is down, so a missed message cannot outlive it. */
  private ttlCapMs = Number.POSITIVE_INFINITY;

  /** Trust cached checks for at most `ms` (null: `ttlMs` again). */
  limitTtl(ms: number | null): void {
    this.ttlCapMs = ms ?? Number.POSITIVE_INFINITY;
  }

  /** Writes batched last-used times; called on a timer and at shutdown. */
  async flushUsage(): Promise<void> {
    if (this.usage.size === 0) return;
    const batch = [...this.usage.values()];
    this.usage.clear();
    await this.store.tx((r) => r.tokens.touch(batch));
  }
}
