import type { Clock } from '../clock.js';
import { PatdError } from '../errors.js';
import { constantTimeEqual } from '../ids.js';
import type { Membership, Policy, Token, User } from '../model.js';
import { ipAllowed } from '../policies/check.js';
import type { Store } from '../ports.js';
import type { ScopeCatalog } from '../scopes/catalog.js';
import { digestToken, isWellFormed } from './format.js';

/** Everything needed to decide on a token without touching storage. */
interface Snapshot {
  digest: string;
  token: Token;
  user: User;
  memberships: Map<string, Membership>; // by org name
  policies: Map<string, Policy>; // by org id
  /** Set when this digest is a regenerated token's previous secret. */
  oldUntil: number | null;
  loadedAt: number;
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

/** The token a failure was about, for the onFailure hook (kept off the error so it never reaches a response). */
const failedToken = new WeakMap<PatdError, { tokenId: string; userId: string }>();

/**
 * Checks presented secrets. The hot path is a SHA-256 and a map look-up: verified tokens
 * are cached in memory, invalidated explicitly on revoke, regenerate, edit, user disable,
 * membership and policy change, and re-read after `ttlMs` (changes made by another instance).
 * Last-used times are batched and written by `flushUsage`.
 */
export class TokenVerifier {
  private readonly cache = new Map<string, Snapshot | Miss>();
  private readonly usage = new Map<string, { id: string; at: number; ip: string | null }>();
  private readonly max: number;
  onFailure: ((code: string, hint: { tokenId?: string; userId?: string; ip?: string | null }) => void) | null = null;

  constructor(
    private readonly store: Store,
    private readonly catalog: ScopeCatalog,
    private readonly clock: Clock,
    private readonly opts: VerifierOptions,
  ) {
    this.max = opts.maxEntries ?? 100_000;
  }

  async verify(secret: string, o: VerifyOptions = {}): Promise<TokenPrincipal> {
    try {
      return await this.check(secret, o);
    } catch (e) {
      // Which token failed, when known (revoked, rotated, expired …): the audit names it for its owner.
      if (e instanceof PatdError && this.onFailure) this.onFailure(e.code, { ip: o.ip, ...failedToken.get(e) });
      throw e;
    }
  }

  private async check(secret: string, o: VerifyOptions): Promise<TokenPrincipal> {
    if (!isWellFormed(secret, this.opts.prefix)) throw new PatdError('token_invalid', 'the token is malformed or unknown');
    const now = this.clock.now();
    const digest = digestToken(secret);
    let snap = this.cache.get(digest);
    if (!snap || now - (('loadedAt' in snap) ? snap.loadedAt : snap.missAt) > this.opts.ttlMs) {
      snap = await this.load(digest, now);
    }
    if (!('token' in snap)) throw new PatdError('token_invalid', 'the token is malformed or unknown');
    const { token, user } = snap;
    try {
      return this.checkToken(snap, digest, now, o);
    } catch (e) {
      if (e instanceof PatdError && e.code !== 'token_invalid') failedToken.set(e, { tokenId: token.id, userId: user.id });
      throw e;
    }
  }

  private checkToken(snap: Snapshot, digest: string, now: number, o: VerifyOptions): TokenPrincipal {
    const { token, user } = snap;
    if (!constantTimeEqual(snap.digest, digest)) throw new PatdError('token_invalid');
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
    this.usage.set(token.id, { id: token.id, at: now, ip: o.ip ?? null });
    return { user, token, orgs: this.usableOrgs(snap), memberships: [...snap.memberships.values()] };
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

  private usableOrgs(snap: Snapshot): string[] {
    const out: string[] = [];
    for (const [name, m] of snap.memberships) {
      if (snap.token.orgIds === null ? snap.policies.get(m.orgId)?.allowGlobalTokens !== false : snap.token.orgIds.includes(m.orgId)) out.push(name);
    }
    return out;
  }

  private async load(digest: string, now: number): Promise<Snapshot | Miss> {
    const r = this.store.r;
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
    if (!token || !user) {
      const miss = { missAt: now };
      this.put(digest, miss);
      return miss;
    }
    const memberships = new Map<string, Membership>();
    const policies = new Map<string, Policy>();
    for (const m of await r.members.listForUser(user.id)) {
      memberships.set(m.orgName, m);
      policies.set(m.orgId, await r.policies.get(m.orgId));
    }
    const snap: Snapshot = { digest, token, user, memberships, policies, oldUntil, loadedAt: now };
    this.put(digest, snap);
    return snap;
  }

  private put(digest: string, v: Snapshot | Miss): void {
    this.cache.delete(digest);
    if (this.cache.size >= this.max) {
      const first = this.cache.keys().next();
      if (!first.done) this.cache.delete(first.value);
    }
    this.cache.set(digest, v);
  }

  private dropWhere(pred: (s: Snapshot) => boolean): void {
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
  invalidateAll(): void {
    this.cache.clear();
  }

  /** Writes batched last-used times; called on a timer and at shutdown. */
  async flushUsage(): Promise<void> {
    if (this.usage.size === 0) return;
    const batch = [...this.usage.values()];
    this.usage.clear();
    await this.store.tx((r) => r.tokens.touch(batch));
  }
}
