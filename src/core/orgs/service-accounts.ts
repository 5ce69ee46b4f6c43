import type { CoreDeps } from '../deps.js';
import { PatdError } from '../errors.js';
import { newId } from '../ids.js';
import type { Caller, CreatedVia, Page, PageQuery, TokenStatus, User } from '../model.js';
import { contextOf } from '../model.js';
import { revokeGuards } from '../tokens/revoke-guards.js';
import { revokeTokens } from '../tokens/revoke.js';
import type { CreateTokenInput, Issued, TokenService } from '../tokens/service.js';
import type { TokenView } from '../tokens/view.js';
import { checkName, checkSlug } from '../validate.js';
import { type OrgAccess, requireRole } from './access.js';

export interface ServiceAccountView {
  id: string;
  username: string;
  displayName: string;
  org: string;
  disabled: boolean;
  createdAt: string;
}

export const serviceAccountView = (u: User, org: string): ServiceAccountView => ({
  id: u.id, username: u.username, displayName: u.displayName, org, disabled: u.disabled, createdAt: new Date(u.createdAt).toISOString(),
});

/**
 * Service accounts: non-person users owned by an org, so automation does not break when a
 * person leaves. They cannot sign in (no password, no identity); the org's admins manage
 * their tokens, which are limited to that org, and receive their notices. Every use case
 * takes the caller's OrgAccess and checks the admin role itself.
 */
export class ServiceAccountService {
  constructor(private readonly d: CoreDeps, private readonly tokens: TokenService) {}

  async create(caller: Caller, a: OrgAccess, input: { username: string; displayName?: string }): Promise<ServiceAccountView> {
    requireRole(a, caller, 'admin');
    const username = checkSlug('username', input.username);
    const displayName = checkName('displayName', input.displayName ?? username);
    const now = this.d.clock.now();
    const u: User = {
      id: newId('usr'), username, email: '', displayName, disabled: false, isAdmin: false, serviceOrgId: a.org.id, passwordHash: null, createdAt: now,
    };
    await this.d.store.tx(async (r) => {
      if (await r.users.byUsername(username)) throw new PatdError('conflict', `username "${username}" is taken`, { field: 'username' });
      await r.users.insert(u);
      await r.members.put(a.org.id, u.id, 'member', now);
      await this.d.events.record(r, contextOf(caller), now, {
        action: 'service_account.created', targetType: 'user', targetId: u.id, subjectUserId: u.id, orgIds: [a.org.id], details: { username, displayName },
      });
    });
    return serviceAccountView(u, a.org.name);
  }

  async list(caller: Caller, a: OrgAccess): Promise<ServiceAccountView[]> {
    requireRole(a, caller, 'admin');
    return (await this.d.store.r.users.serviceAccounts(a.org.id)).map((u) => serviceAccountView(u, a.org.name));
  }

  async get(caller: Caller, a: OrgAccess, username: string): Promise<ServiceAccountView> {
    return serviceAccountView(await this.find(caller, a, username), a.org.name);
  }

  /** Deletes the account: revokes every token it has and marks it deleted, in one transaction. */
  async delete(caller: Caller, a: OrgAccess, username: string): Promise<{ revoked: number }> {
    const sa = await this.find(caller, a, username);
    const ids = await this.d.store.r.tokens.activeIdsForUser(sa.id, this.d.clock.now());
    const revoked = await revokeTokens(this.d, ids, {
      ctx: contextOf(caller), reason: `service account "${sa.username}" was deleted by an admin of org "${a.org.name}"`,
      guard: revokeGuards.serviceAccount(a, caller, sa),
      finish: async (r, changed, done) => {
        await r.users.markServiceAccountDeleted(sa.id, this.d.clock.now());
        await r.members.remove(a.org.id, sa.id);
        await this.d.events.record(r, contextOf(caller), this.d.clock.now(), {
          action: 'service_account.deleted', targetType: 'user', targetId: sa.id, subjectUserId: sa.id, orgIds: [a.org.id],
          details: { username: sa.username, revokedTokens: done.length },
        });
        changed.user(sa.id);
      },
    });
    return { revoked: revoked.length };
  }

  async createToken(caller: Caller, a: OrgAccess, username: string, input: Omit<CreateTokenInput, 'orgs'>, via: CreatedVia): Promise<Issued> {
    const sa = await this.find(caller, a, username);
    return this.tokens.create(caller, { user: sa, as: a }, { ...input, orgs: [a.org.name] }, { via });
  }

  async listTokens(caller: Caller, a: OrgAccess, username: string, status: TokenStatus | 'all', q: PageQuery): Promise<Page<TokenView>> {
    const sa = await this.find(caller, a, username);
    return this.tokens.list(sa, status, q);
  }

  async getToken(caller: Caller, a: OrgAccess, username: string, id: string): Promise<TokenView> {
    const sa = await this.find(caller, a, username);
    return this.tokens.get(sa, id);
  }

  async regenerateToken(caller: Caller, a: OrgAccess, username: string, id: string, graceSeconds = 0): Promise<Issued> {
    const sa = await this.find(caller, a, username);
    return this.tokens.regenerate(caller, { user: sa, as: a }, id, graceSeconds);
  }

  async revokeToken(caller: Caller, a: OrgAccess, username: string, id: string): Promise<void> {
    const sa = await this.find(caller, a, username);
    await this.tokens.revoke(caller, { user: sa, as: a }, id);
  }

  /** A live service account of this org; anything else (a person, another org's, a deleted one) is not found. */
  private async find(caller: Caller, a: OrgAccess, username: string): Promise<User> {
    requireRole(a, caller, 'admin');
    const u = /^[a-z0-9][a-z0-9._-]{0,38}$/.test(username) ? await this.d.store.r.users.byUsername(username) : null;
    const live = u?.serviceOrgId === a.org.id && (await this.d.store.r.members.get(a.org.id, u.id));
    if (!u || !live) throw new PatdError('not_found', `no service account "${username.slice(0, 40)}" in org "${a.org.name}"`);
    return u;
  }
}
