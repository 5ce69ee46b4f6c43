import { commit } from '../changes.js';
import type { CoreDeps } from '../deps.js';
import { PatdError } from '../errors.js';
import { newId } from '../ids.js';
import type { Caller, CreatedVia, Page, PageQuery, RequestContext, Token, TokenStatus, User } from '../model.js';
import { contextOf } from '../model.js';
import { checkTokenAgainstPolicies, type PolicyScope } from '../policies/check.js';
import type { Repos } from '../ports.js';
import { checkTokenName } from '../validate.js';
import { resolveExpiry } from './expiry.js';
import { digestToken, generateToken, tokenHint } from './format.js';
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

export class TokenService {
  constructor(private readonly d: CoreDeps) {}

  /** Creates a token for `owner`; the secret is returned here and never again. */
  async create(caller: Caller, owner: User, input: CreateTokenInput, o: IssueOptions): Promise<Issued> {
    const now = this.d.clock.now();
    const name = checkTokenName(input.name);
    const scopes = this.d.catalog.normalize(input.scopes);
    this.checkWithinCaller(caller, scopes, input.orgs ?? '*');
    const expiresAt = resolveExpiry(input, now, this.d.settings.maxTokenDays) as number;
    const secret = generateToken(this.d.settings.tokenPrefix);
    const token = await this.d.store.tx(async (r) => {
      const { orgIds, scopeOrgs } = await this.resolveOrgs(r, owner.id, input.orgs ?? '*');
      checkTokenAgainstPolicies({ scopes, global: orgIds === null, expiresAt }, scopeOrgs, now);
      const t: Token = {
        id: newId('tok'), userId: owner.id, name, hint: tokenHint(secret, this.d.settings.tokenPrefix), scopes, orgIds,
        createdAt: now, expiresAt, lastUsedAt: null, lastUsedIp: null, revokedAt: null, revokedBy: null,
        revokedReason: null, createdVia: o.via, clientName: o.clientName ?? null, userAgent: caller.userAgent,
        createdIp: caller.ip, version: 1,
      };
      await r.tokens.insert(t, digestToken(secret));
      if (o.inTx) await o.inTx(r, t.id);
      const view = await this.view(r, t, now);
      await this.record(r, contextOf(caller), 'token.created', t, view, scopeOrgs, {});
      return view;
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

  async edit(caller: Caller, owner: User, id: string, input: EditTokenInput): Promise<TokenView> {
    const now = this.d.clock.now();
    const patch: Partial<Token> = {};
    if (input.name !== undefined) patch.name = checkTokenName(input.name);
    if (input.scopes !== undefined) patch.scopes = this.d.catalog.normalize(input.scopes);
    if (input.scopes !== undefined || input.orgs !== undefined) this.checkWithinCaller(caller, patch.scopes ?? [], input.orgs ?? []);
    const exp = resolveExpiry(input, now, this.d.settings.maxTokenDays, null);
    if (exp !== null) patch.expiresAt = exp;
    return commit(this.d, async (r, changed) => {
      const t = await this.owned(r, owner, id);
      if (t.revokedAt !== null) throw new PatdError('token_not_editable', 'a revoked token cannot be changed');
      const { orgIds, scopeOrgs } = input.orgs !== undefined
        ? await this.resolveOrgs(r, owner.id, input.orgs)
        : await this.resolveOrgs(r, owner.id, t.orgIds === null ? '*' : await this.orgNames(r, t.orgIds));
      if (input.orgs !== undefined) patch.orgIds = orgIds;
      const next = { ...t, ...patch };
      checkTokenAgainstPolicies({ scopes: next.scopes, global: next.orgIds === null, expiresAt: next.expiresAt }, scopeOrgs, now);
      await r.tokens.update(id, patch);
      const after = { ...next, version: t.version + 1 };
      const v = await this.view(r, after, now);
      await this.record(r, contextOf(caller), 'token.updated', after, v, scopeOrgs, { changed: Object.keys(patch) });
      changed.token(id);
      return v;
    });
  }

  /** New secret, same id and settings; the old secret works for `graceSeconds` more. */
  async regenerate(caller: Caller, owner: User, id: string, graceSeconds = 0): Promise<Issued> {
    if (!Number.isInteger(graceSeconds) || graceSeconds < 0 || graceSeconds > 7 * 86_400) {
      throw new PatdError('validation_failed', 'graceSeconds must be 0–604800', { field: 'graceSeconds' });
    }
    const now = this.d.clock.now();
    const secret = generateToken(this.d.settings.tokenPrefix);
    const token = await commit(this.d, async (r, changed) => {
      const t = await this.owned(r, owner, id);
      if (t.revokedAt !== null) throw new PatdError('token_not_editable', 'a revoked token cannot be regenerated');
      const oldDigest = await this.currentDigest(r, t);
      const hint = tokenHint(secret, this.d.settings.tokenPrefix);
      await r.tokens.replaceSecret(id, digestToken(secret), hint, oldDigest ? { digest: oldDigest, validUntil: now + graceSeconds * 1000 } : null);
      const after = { ...t, hint, version: t.version + 1 };
      const v = await this.view(r, after, now);
      const scopeOrgs = await this.policyScope(r, t);
      await this.record(r, contextOf(caller), 'token.regenerated', after, v, scopeOrgs, { graceSeconds });
      changed.token(id);
      return v;
    });
    return { token, secret };
  }

  /** Revokes; a token already revoked stays as it was (idempotent). */
  async revoke(caller: Caller, owner: User, id: string, reason = 'revoked by owner'): Promise<void> {
    await commit(this.d, async (r, changed) => {
      const t = await this.owned(r, owner, id);
      await this.revokeIn(r, contextOf(caller), t, reason);
      changed.token(id);
    });
  }

  /** Shared by owner, org admin, leak report and admin revocation. Call inside a transaction. */
  async revokeIn(r: Repos, ctx: RequestContext, t: Token, reason: string): Promise<boolean> {
    if (t.revokedAt !== null) return false;
    const now = this.d.clock.now();
    const by = ctx.actor.name ?? ctx.actor.type;
    await r.tokens.update(t.id, { revokedAt: now, revokedBy: by, revokedReason: reason });
    const after = { ...t, revokedAt: now, revokedBy: by, revokedReason: reason, version: t.version + 1 };
    const v = await this.view(r, after, now);
    const owner = await r.users.byId(t.userId);
    const byOwner = (ctx.actor.type === 'user' || ctx.actor.type === 'token') && ctx.actor.name === owner?.username;
    await this.record(r, ctx, 'token.revoked', after, v, await this.policyScope(r, t), { reason, revokedBy: by, byOwner });
    return true;
  }

  /** Revokes the token used for this call (`DELETE /tokens/self`): whoever holds a secret may kill it. */
  async revokeSelf(caller: Caller): Promise<void> {
    if (!caller.token) throw new PatdError('unauthenticated', 'this endpoint needs a personal access token');
    await this.revoke(caller, caller.user, caller.token.id, 'revoked by its holder (DELETE /tokens/self)');
  }

  /** The token used for this call (`GET /tokens/self`). */
  async self(caller: Caller): Promise<TokenView> {
    if (!caller.token) throw new PatdError('unauthenticated', 'this endpoint needs a personal access token');
    const t = await this.d.store.r.tokens.byId(caller.token.id);
    if (!t) throw new PatdError('token_invalid');
    return this.view(this.d.store.r, t, this.d.clock.now());
  }

  async listForOrg(orgId: string, f: { status: TokenStatus | 'all'; userId?: string }, q: PageQuery): Promise<Page<TokenView>> {
    const now = this.d.clock.now();
    const page = await this.d.store.r.tokens.listForOrg(orgId, { ...f, now }, q);
    return { items: await this.views(this.d.store.r, page.items, now), nextCursor: page.nextCursor };
  }

  /** An org admin revokes a token usable in their org; anything else is not found. */
  async revokeInOrg(caller: Caller, orgId: string, id: string): Promise<void> {
    await commit(this.d, async (r, changed) => {
      const t = await r.tokens.byId(id);
      if (!t) throw new PatdError('not_found', 'no such token');
      const usable = t.orgIds === null ? !!(await r.members.get(orgId, t.userId)) : t.orgIds.includes(orgId);
      if (!usable) throw new PatdError('not_found', 'no such token');
      const org = await r.orgs.byId(orgId);
      await this.revokeIn(r, contextOf(caller), t, `revoked by an admin of org "${org?.name ?? orgId}"`);
      changed.token(id);
    });
  }

  // ---- helpers ----

  private async owned(r: Repos, owner: User, id: string): Promise<Token> {
    const t = /^tok_[0-9A-Za-z]{1,40}$/.test(id) ? await r.tokens.byId(id) : null;
    if (!t || t.userId !== owner.id) throw new PatdError('not_found', 'no such token');
    return t;
  }

  /** A token may not hand out more than the token that creates or edits it. */
  private checkWithinCaller(caller: Caller, scopes: string[], orgs: string[] | '*'): void {
    const via = caller.token;
    if (!via) return;
    for (const s of scopes) {
      if (!this.d.catalog.grants(via.scopes, s)) {
        throw new PatdError('insufficient_scope', `a token cannot grant "${s}", which the token used for this call does not have`, { scope: s, field: 'scopes' });
      }
    }
    if (via.orgIds !== null && orgs === '*') {
      throw new PatdError('org_forbidden', 'a token limited to some orgs cannot create a global token');
    }
  }

  private async resolveOrgs(r: Repos, userId: string, orgs: string[] | '*'): Promise<{ orgIds: string[] | null; scopeOrgs: PolicyScope[] }> {
    const mine = await r.members.listForUser(userId);
    if (orgs === '*') {
      return { orgIds: null, scopeOrgs: await Promise.all(mine.map(async (m) => ({ orgName: m.orgName, policy: await r.policies.get(m.orgId) }))) };
    }
    if (!Array.isArray(orgs) || orgs.length === 0) throw new PatdError('validation_failed', 'orgs must be "*" or a non-empty list of org names', { field: 'orgs' });
    const ids: string[] = [];
    const scopeOrgs: PolicyScope[] = [];
    for (const name of new Set(orgs)) {
      const m = mine.find((x) => x.orgName === name);
      if (!m) throw new PatdError('validation_failed', `you are not a member of org "${String(name).slice(0, 40)}"`, { field: 'orgs' });
      ids.push(m.orgId);
      scopeOrgs.push({ orgName: name, policy: await r.policies.get(m.orgId) });
    }
    return { orgIds: ids.sort(), scopeOrgs };
  }

  private async policyScope(r: Repos, t: Token): Promise<PolicyScope[]> {
    const mine = await r.members.listForUser(t.userId);
    const ms = t.orgIds === null ? mine : mine.filter((m) => t.orgIds?.includes(m.orgId));
    return Promise.all(ms.map(async (m) => ({ orgName: m.orgName, policy: await r.policies.get(m.orgId) })));
  }

  private async orgNames(r: Repos, ids: string[]): Promise<string[]> {
    return (await r.orgs.byIds(ids)).map((o) => o.name);
  }

  private async currentDigest(r: Repos, t: Token): Promise<string | null> {
    return (await r.tokens.digestOf(t.id)) ?? null;
  }

  private async view(r: Repos, t: Token, now: number): Promise<TokenView> {
    return (await this.views(r, [t], now))[0] as TokenView;
  }

  private async views(r: Repos, ts: Token[], now: number): Promise<TokenView[]> {
    const ids = [...new Set(ts.flatMap((t) => t.orgIds ?? []))];
    const names = new Map((await r.orgs.byIds(ids)).map((o) => [o.id, o.name] as const));
    return ts.map((t) => tokenView(t, names, now));
  }

  /** Token events appear in the audit of every org the token may be used in, and the owner's. */
  private async record(r: Repos, ctx: RequestContext, action: string, t: Token, v: TokenView, scopeOrgs: PolicyScope[], extra: Record<string, unknown>) {
    const mine = await r.members.listForUser(t.userId);
    const orgIds = mine.filter((m) => scopeOrgs.some((s) => s.orgName === m.orgName)).map((m) => m.orgId);
    await this.d.events.record(r, ctx, this.d.clock.now(), {
      action, targetType: 'token', targetId: t.id, subjectUserId: t.userId, orgIds,
      details: {
        name: v.name, hint: v.hint, scopes: v.scopes, orgs: v.orgs, expiresAt: v.expiresAt, createdVia: v.createdVia,
        clientName: v.clientName, version: t.version, ...extra,
      },
    });
  }
}
