import { commit } from '../changes.js';
import type { CoreDeps } from '../deps.js';
import { PatdError } from '../errors.js';
import { newId } from '../ids.js';
import type { Caller, CreatedVia, Page, PageQuery, Token, TokenStatus, User } from '../model.js';
import { contextOf } from '../model.js';
import { type OrgAccess, requireRole } from '../orgs/access.js';
import { memberOrgFacts, reachOf } from '../policies/facts.js';
import { checkSettings, type OrgFacts, type TokenShape } from '../policies/token-use.js';
import type { Repos } from '../ports.js';
import { checkTokenName } from '../validate.js';
import { recordTokenEvent } from './events.js';
import { resolveExpiry } from './expiry.js';
import { digestToken, generateToken, tokenHint } from './format.js';
import { checkWithinCaller } from './reach.js';
import { revokeGuards, usableInOrg } from './revoke-guards.js';
import { revokeToken } from './revoke.js';
import { type TokenView, tokenView } from './view.js';

export interface CreateTokenInput {
  name: string;
  scopes: string[];
  orgs?: string[] | '*';
  expiresInDays?: number;
  expiresAt?: string;
}

export interface EditTokenInput {
  name?: string;
  scopes?: string[];
  orgs?: string[] | '*';
  expiresInDays?: number;
  expiresAt?: string;
}

export interface IssueOptions {
  via: CreatedVia;
  clientName?: string | null;
  /** Runs in the same transaction after the token is written (e.g. consuming a device grant); throw to roll back. */
  inTx?: (r: Repos, tokenId: string) => Promise<void>;
}

export interface Issued {
  token: TokenView;
  secret: string;
}

/**
 * Whose tokens a caller manages: their own, or (as an admin of its org) a service account's.
 * Anything else is refused here, so no handler can hand another user's tokens to a caller.
 */
export type TokenOwner = { user: User; as?: OrgAccess };

/** Tokens of a person (or, for org admins, of a service account): create, edit, regenerate, revoke, read. */
export class TokenService {
  constructor(private readonly d: CoreDeps) {}

  /** Creates a token for `owner`; the secret is returned here and never again. */
  async create(caller: Caller, owner: User | TokenOwner, input: CreateTokenInput, o: IssueOptions): Promise<Issued> {
    const who = this.ownerOf(caller, owner);
    const now = this.d.clock.now();
    const name = checkTokenName(input.name);
    const scopes = this.d.catalog.normalize(input.scopes);
    const expiresAt = resolveExpiry(input, now, this.d.settings.maxTokenDays) as number;
    const secret = generateToken(this.d.settings.tokenPrefix);
    const token = await this.d.store.tx(async (r) => {
      const facts = await memberOrgFacts(r, who.id);
      const orgIds = this.resolveOrgs(who, facts, input.orgs ?? '*');
      const shape = { scopes, orgIds, expiresAt };
      checkWithinCaller(this.d.catalog, caller, shape, namesOf(facts), 'the new token');
      checkSettings(shape, reachOf(facts, orgIds), now);
      const t: Token = {
        id: newId('tok'), userId: who.id, name, hint: tokenHint(secret, this.d.settings.tokenPrefix), scopes, orgIds,
        createdAt: now, expiresAt, lastUsedAt: null, lastUsedIp: null, revokedAt: null, revokedBy: null,
        revokedReason: null, createdVia: o.via, clientName: o.clientName ?? null, userAgent: caller.userAgent,
        createdIp: caller.ip, version: 1,
      };
      await r.tokens.insert(t, digestToken(secret));
      if (o.inTx) await o.inTx(r, t.id);
      await recordTokenEvent(this.d, r, contextOf(caller), 'token.created', t);
      return this.view(r, t, now);
    });
    return { token, secret };
  }

  /** The owner's tokens, newest first; `search` matches part of the name or hint. */
  async list(owner: User, status: TokenStatus | 'all', q: PageQuery, search?: string): Promise<Page<TokenView>> {
    const now = this.d.clock.now();
    const page = await this.d.store.r.tokens.listForUser(owner.id, { status, now, search: search?.trim().slice(0, 120) || undefined }, q);
    return { items: await this.views(this.d.store.r, page.items, now), nextCursor: page.nextCursor };
  }

  /** Every token of the owner with that status, page by page (for feeds that cannot page). */
  async listAll(owner: User, status: TokenStatus | 'all'): Promise<TokenView[]> {
    const all: TokenView[] = [];
    let cursor: string | null = null;
    do {
      const p = await this.list(owner, status, { limit: 500, cursor });
      all.push(...p.items);
      cursor = p.nextCursor;
    } while (cursor);
    return all;
  }

  async get(owner: User, id: string): Promise<TokenView> {
    const t = await this.owned(this.d.store.r, owner, id);
    return this.view(this.d.store.r, t, this.d.clock.now());
  }

  /** Rename, renew, change scopes or orgs. The result must keep the org policies and stay within a calling PAT. */
  async edit(caller: Caller, owner: User | TokenOwner, id: string, input: EditTokenInput): Promise<TokenView> {
    const who = this.ownerOf(caller, owner);
    const now = this.d.clock.now();
    const patch: Partial<Token> = {};
    if (input.name !== undefined) patch.name = checkTokenName(input.name);
    if (input.scopes !== undefined) patch.scopes = this.d.catalog.normalize(input.scopes);
    const exp = resolveExpiry(input, now, this.d.settings.maxTokenDays, null);
    if (exp !== null) patch.expiresAt = exp;
    return commit(this.d, async (r, changed) => {
      const t = await this.owned(r, who, id);
      if (t.revokedAt !== null) throw new PatdError('token_not_editable', 'a revoked token cannot be changed');
      const facts = await memberOrgFacts(r, who.id);
      if (input.orgs !== undefined) patch.orgIds = this.resolveOrgs(who, facts, input.orgs);
      const next = { ...t, ...patch };
      checkWithinCaller(this.d.catalog, caller, next, namesOf(facts));
      checkSettings(next, reachOf(facts, next.orgIds), now);
      await r.tokens.update(id, patch);
      const after = { ...next, version: t.version + 1 };
      await recordTokenEvent(this.d, r, contextOf(caller), 'token.updated', after, { changed: Object.keys(patch) });
      changed.token(id);
      return this.view(r, after, now);
    });
  }

  /** New secret, same id and settings; the old secret works for `graceSeconds` more. */
  async regenerate(caller: Caller, owner: User | TokenOwner, id: string, graceSeconds = 0): Promise<Issued> {
    const who = this.ownerOf(caller, owner);
    if (!Number.isInteger(graceSeconds) || graceSeconds < 0 || graceSeconds > 7 * 86_400) {
      throw new PatdError('validation_failed', 'graceSeconds must be 0–604800', { field: 'graceSeconds' });
    }
    const now = this.d.clock.now();
    const secret = generateToken(this.d.settings.tokenPrefix);
    const token = await commit(this.d, async (r, changed) => {
      const t = await this.owned(r, who, id);
      if (t.revokedAt !== null) throw new PatdError('token_not_editable', 'a revoked token cannot be regenerated');
      // Its new secret carries all of its rights: a PAT may only regenerate what it could have created.
      checkWithinCaller(this.d.catalog, caller, t, namesOf(await memberOrgFacts(r, who.id)));
      const oldDigest = await r.tokens.digestOf(t.id);
      const hint = tokenHint(secret, this.d.settings.tokenPrefix);
      await r.tokens.replaceSecret(id, digestToken(secret), hint, oldDigest ? { digest: oldDigest, validUntil: now + graceSeconds * 1000 } : null);
      const after = { ...t, hint, version: t.version + 1 };
      await recordTokenEvent(this.d, r, contextOf(caller), 'token.regenerated', after, { graceSeconds });
      changed.token(id);
      return this.view(r, after, now);
    });
    return { token, secret };
  }

  /** Revokes one of the owner's tokens (idempotent); a PAT only revokes itself or tokens within its reach. */
  async revoke(caller: Caller, owner: User | TokenOwner, id: string, reason = 'revoked by owner'): Promise<void> {
    const who = this.ownerOf(caller, owner);
    const as = 'as' in owner ? owner.as : undefined;
    const guard = as ? revokeGuards.serviceAccount(as, caller, who) : revokeGuards.owner(this.d.catalog, caller);
    await revokeToken(this.d, id, { ctx: contextOf(caller), reason: as ? `revoked by an admin of org "${as.org.name}"` : reason, guard });
  }

  /** Revokes the token used for this call (`DELETE /tokens/self`): whoever holds a secret may kill it. */
  async revokeSelf(caller: Caller): Promise<void> {
    if (!caller.token) throw new PatdError('unauthenticated', 'this endpoint needs a personal access token');
    await revokeToken(this.d, caller.token.id, {
      ctx: contextOf(caller), reason: 'revoked by its holder (DELETE /tokens/self)', guard: revokeGuards.holder(caller.token.id),
    });
  }

  /** The token used for this call (`GET /tokens/self`). */
  async self(caller: Caller): Promise<TokenView> {
    if (!caller.token) throw new PatdError('unauthenticated', 'this endpoint needs a personal access token');
    const t = await this.d.store.r.tokens.byId(caller.token.id);
    if (!t) throw new PatdError('token_invalid');
    return this.view(this.d.store.r, t, this.d.clock.now());
  }

  /** Every token usable in the org (metadata only), for its admins. */
  async listForOrg(a: OrgAccess, f: { status: TokenStatus | 'all'; userId?: string }, q: PageQuery): Promise<Page<TokenView>> {
    requireRole(a, a.caller, 'admin');
    const now = this.d.clock.now();
    const page = await this.d.store.r.tokens.listForOrg(a.org.id, { ...f, now }, q);
    return { items: await this.views(this.d.store.r, page.items, now), nextCursor: page.nextCursor };
  }

  /** One token usable in the org (metadata only), for its admins; anything else is not found. */
  async getInOrg(a: OrgAccess, id: string): Promise<TokenView> {
    requireRole(a, a.caller, 'admin');
    const r = this.d.store.r;
    const t = /^tok_[0-9A-Za-z]{1,40}$/.test(id) ? await r.tokens.byId(id) : null;
    if (!t || !(await usableInOrg(r, a.org.id, t))) throw new PatdError('not_found', 'no such token');
    return this.view(r, t, this.d.clock.now());
  }

  /** An org admin revokes a token usable in their org; anything else is not found. */
  async revokeInOrg(caller: Caller, a: OrgAccess, id: string): Promise<void> {
    await revokeToken(this.d, id, {
      ctx: contextOf(caller), reason: `revoked by an admin of org "${a.org.name}"`, guard: revokeGuards.orgAdmin(a, caller),
    });
  }

  /** The operator at the CLI: any token. */
  async revokeByOperator(caller: Caller, id: string, reason: string): Promise<boolean> {
    return revokeToken(this.d, id, { ctx: contextOf(caller), reason, guard: revokeGuards.operator() });
  }

  // ---- helpers ----

  /**
   * The user whose tokens are managed: the caller themself, or a service account of an org the
   * caller administers (an OrgAccess resolved for this caller with the admin role).
   */
  private ownerOf(caller: Caller, owner: User | TokenOwner): User {
    const o: TokenOwner = 'user' in owner ? owner : { user: owner };
    if (o.as) {
      requireRole(o.as, caller, 'admin');
      if (o.user.serviceOrgId !== o.as.org.id) throw new PatdError('not_found', 'no such service account in this org');
      return o.user;
    }
    if (o.user.id !== caller.user.id) throw new PatdError('forbidden', "you can only manage your own tokens");
    return o.user;
  }

  private async owned(r: Repos, owner: User, id: string): Promise<Token> {
    const t = /^tok_[0-9A-Za-z]{1,40}$/.test(id) ? await r.tokens.byId(id) : null;
    if (!t || t.userId !== owner.id) throw new PatdError('not_found', 'no such token');
    return t;
  }

  /** Org names to ids; the owner must belong to each. A service account's tokens are limited to its org. */
  private resolveOrgs(owner: User, facts: OrgFacts[], orgs: string[] | '*'): string[] | null {
    if (owner.serviceOrgId) {
      const own = facts.find((f) => f.orgId === owner.serviceOrgId);
      if (!own) throw new PatdError('forbidden', 'this service account no longer belongs to its org');
      if (orgs !== '*' && !(Array.isArray(orgs) && orgs.length === 1 && orgs[0] === own.orgName)) {
        throw new PatdError('validation_failed', `a service account's tokens are limited to its org "${own.orgName}"`, { field: 'orgs' });
      }
      return [own.orgId];
    }
    if (orgs === '*') return null;
    if (!Array.isArray(orgs) || orgs.length === 0) throw new PatdError('validation_failed', 'orgs must be "*" or a non-empty list of org names', { field: 'orgs' });
    const ids: string[] = [];
    for (const name of new Set(orgs)) {
      const f = facts.find((x) => x.orgName === name);
      if (!f) throw new PatdError('validation_failed', `you are not a member of org "${String(name).slice(0, 40)}"`, { field: 'orgs' });
      ids.push(f.orgId);
    }
    return ids.sort();
  }

  private async view(r: Repos, t: Token, now: number): Promise<TokenView> {
    return (await this.views(r, [t], now))[0] as TokenView;
  }

  private async views(r: Repos, ts: Token[], now: number): Promise<TokenView[]> {
    const ids = [...new Set(ts.flatMap((t) => t.orgIds ?? []))];
    const names = new Map((await r.orgs.byIds(ids)).map((o) => [o.id, o.name] as const));
    return ts.map((t) => tokenView(t, names, now));
  }
}

const namesOf = (facts: OrgFacts[]) => new Map(facts.map((f) => [f.orgId, f.orgName] as const));

export type { TokenShape };
