import type { ClientService } from '../clients/service.js';
import type { ResourceClient } from '../clients/model.js';
import type { CoreDeps } from '../deps.js';
import { PatdError } from '../errors.js';
import { randomSecret } from '../ids.js';
import type { Caller, Page, PageQuery, User } from '../model.js';
import { contextOf } from '../model.js';
import { instanceAdminPowers } from '../orgs/actor.js';
import { type OrgView, orgView } from '../orgs/service.js';
import { resetPassword } from './reset-password.js';
import type { AccountService, NewUser } from './service.js';

/** Refuses anyone without instance-admin powers (a PAT of an admin needs full access, as /api/v1/users does). */
export function requireInstanceAdmin(c: Caller): void {
  if (!instanceAdminPowers(c)) throw new PatdError('forbidden', 'this needs an instance admin');
}

/** A generated password: 24 URL-safe characters, shown once to the admin who asked for it. */
export const generatePassword = (): string => randomSecret(18);

/**
 * What an instance admin does to the whole instance: users, every org, resource-server
 * clients. Each use case checks the caller itself, so a page or route that forgets to check
 * still cannot let a non-admin through.
 */
export class InstanceAdmin {
  constructor(private readonly d: CoreDeps, private readonly accounts: AccountService, private readonly clients: ClientService) {}

  async listUsers(caller: Caller, q: PageQuery): Promise<Page<User>> {
    requireInstanceAdmin(caller);
    return this.accounts.list(q);
  }

  async user(caller: Caller, id: string): Promise<User> {
    requireInstanceAdmin(caller);
    if (!/^usr_[0-9A-Za-z]{1,40}$/.test(id)) throw new PatdError('not_found', 'no such user');
    return this.accounts.byId(id);
  }

  async addUser(caller: Caller, n: NewUser): Promise<User> {
    requireInstanceAdmin(caller);
    return this.accounts.create(contextOf(caller), n);
  }

  /** Disables (their tokens and sessions stop at once) or enables a user, or edits them. */
  async updateUser(caller: Caller, id: string, p: Parameters<AccountService['adminUpdate']>[3]): Promise<User> {
    requireInstanceAdmin(caller);
    return this.accounts.adminUpdate(contextOf(caller), caller.user.id, id, p);
  }

  /** Sets a user's password (typed, or generated and returned once); every session of theirs ends. */
  async resetPassword(caller: Caller, id: string, password: string): Promise<User> {
    requireInstanceAdmin(caller);
    return resetPassword(this.d, contextOf(caller), caller.user, id, password);
  }

  /** Every org of the instance, oldest first, with the caller's role where they are a member. */
  async listOrgs(caller: Caller, q: PageQuery): Promise<Page<OrgView>> {
    requireInstanceAdmin(caller);
    const page = await this.d.store.r.orgs.list(q);
    const mine = new Map((await this.d.store.r.members.listForUser(caller.user.id)).map((m) => [m.orgId, m.role] as const));
    return { items: page.items.map((o) => orgView(o, mine.get(o.id) ?? null)), nextCursor: page.nextCursor };
  }

  async listClients(caller: Caller): Promise<ResourceClient[]> {
    requireInstanceAdmin(caller);
    return this.clients.list();
  }

  /** Registers a resource server; the secret is returned once. */
  async addClient(caller: Caller, name: string): Promise<{ client: ResourceClient; secret: string }> {
    requireInstanceAdmin(caller);
    return this.clients.add(contextOf(caller), name);
  }

  async removeClient(caller: Caller, id: string): Promise<ResourceClient> {
    requireInstanceAdmin(caller);
    return this.clients.remove(contextOf(caller), id);
  }
}
