import { commit } from '../changes.js';
import type { CoreDeps } from '../deps.js';
import { PatdError } from '../errors.js';
import { newId } from '../ids.js';
import type { Caller, Membership, Org, Page, PageQuery, Policy, Role } from '../model.js';
import { contextOf, DEFAULT_POLICY, ROLES } from '../model.js';
import { validatePolicy } from '../policies/ip-allowlist.js';
import { type OrgAccess, requireRole, resolveOrgAccess } from './access.js';
import { checkOrgName, checkSlug } from '../validate.js';

export interface OrgView {
  id: string;
  name: string;
  displayName: string;
  role: Role | null;
  createdAt: string;
}

export const orgView = (o: Org, role: Role | null): OrgView => ({
  id: o.id, name: o.name, displayName: o.displayName, role, createdAt: new Date(o.createdAt).toISOString(),
});

export const memberView = (m: Membership) => ({ userId: m.userId, username: m.username, role: m.role, since: new Date(m.createdAt).toISOString() });

export type { OrgAccess } from './access.js';

export class OrgService {
  constructor(private readonly d: CoreDeps) {}

  async create(caller: Caller, input: { name: string; displayName?: string }): Promise<OrgView> {
    const name = checkOrgName(input.name);
    const now = this.d.clock.now();
    const org: Org = { id: newId('org'), name, displayName: (input.displayName ?? name).slice(0, 120), createdAt: now };
    await commit(this.d, async (r, changed) => {
      if (await r.orgs.byName(name)) throw new PatdError('conflict', `org "${name}" already exists`, { field: 'name' });
      await r.orgs.insert(org);
      await r.members.put(org.id, caller.user.id, 'owner', now);
      await this.d.events.record(r, contextOf(caller), now, { action: 'org.created', targetType: 'org', targetId: org.id, subjectUserId: caller.user.id, orgIds: [org.id], details: { name } });
      changed.user(caller.user.id);
    });
    return orgView(org, 'owner');
  }

  async listMine(caller: Caller): Promise<OrgView[]> {
    const ms = await this.d.store.r.members.listForUser(caller.user.id);
    const orgs = await this.d.store.r.orgs.byIds(ms.map((m) => m.orgId));
    return orgs.map((o) => orgView(o, ms.find((m) => m.orgId === o.id)?.role ?? null));
  }

  /** Resolves an org for the caller (core/orgs/access.ts): the only way to get an OrgAccess. */
  access(caller: Caller, name: string, need: Role = 'member'): Promise<OrgAccess> {
    return resolveOrgAccess(this.d, caller, name, need);
  }

  view(a: OrgAccess): OrgView {
    return orgView(a.org, a.role);
  }

  members(a: OrgAccess, q: PageQuery): Promise<Page<Membership>> {
    requireRole(a, a.caller, 'admin');
    return this.d.store.r.members.listForOrg(a.org.id, q);
  }

  /** Adds a member or changes a role. Only owners grant or take away `owner`. */
  async putMember(caller: Caller, a: OrgAccess, username: string, role: Role): Promise<Membership> {
    requireRole(a, caller, 'admin');
    checkSlug('username', username);
    if (!ROLES.includes(role)) throw new PatdError('validation_failed', 'role must be owner, admin or member', { field: 'role' });
    const isOwner = a.role === 'owner' || caller.user.isAdmin;
    const now = this.d.clock.now();
    return commit(this.d, async (r, changed) => {
      const u = await r.users.byUsername(username);
      if (!u) throw new PatdError('not_found', `no user "${username}"`);
      if (u.serviceOrgId) throw new PatdError('conflict', `"${username}" is a service account; it belongs to its own org only`, { field: 'username' });
      const before = await r.members.get(a.org.id, u.id);
      if ((role === 'owner' || before?.role === 'owner') && !isOwner) throw new PatdError('forbidden', 'only owners can grant or change the owner role');
      if (before?.role === 'owner' && role !== 'owner' && (await r.members.countOwners(a.org.id)) <= 1) {
        throw new PatdError('conflict', 'an org must keep at least one owner');
      }
      await r.members.put(a.org.id, u.id, role, now);
      await this.d.events.record(r, contextOf(caller), now, {
        action: before ? 'org.member_updated' : 'org.member_added', targetType: 'user', targetId: u.id, subjectUserId: u.id,
        orgIds: [a.org.id], details: { username, role, previousRole: before?.role ?? null },
      });
      changed.user(u.id);
      return (await r.members.get(a.org.id, u.id)) as Membership;
    });
  }

  /** Removing a member stops their tokens in the org at once (global ones too). */
  async removeMember(caller: Caller, a: OrgAccess, username: string): Promise<void> {
    requireRole(a, caller, 'admin');
    const now = this.d.clock.now();
    await commit(this.d, async (r, changed) => {
      const u = await r.users.byUsername(username);
      const m = u ? await r.members.get(a.org.id, u.id) : null;
      if (!u || !m) throw new PatdError('not_found', `"${username.slice(0, 40)}" is not a member`);
      if (u.serviceOrgId) throw new PatdError('conflict', `"${username}" is a service account: delete it instead (DELETE /orgs/{org}/service-accounts/{username})`);
      const self = u.id === caller.user.id;
      if (m.role === 'owner' && a.role !== 'owner' && !caller.user.isAdmin) throw new PatdError('forbidden', 'only owners can remove an owner');
      if (m.role === 'owner' && (await r.members.countOwners(a.org.id)) <= 1) throw new PatdError('conflict', 'an org must keep at least one owner');
      await r.members.remove(a.org.id, u.id);
      await this.d.events.record(r, contextOf(caller), now, {
        action: 'org.member_removed', targetType: 'user', targetId: u.id, subjectUserId: u.id, orgIds: [a.org.id], details: { username, self },
      });
      changed.user(u.id);
    });
  }

  getPolicy(a: OrgAccess): Promise<Policy> {
    requireRole(a, a.caller, 'admin');
    return this.d.store.r.policies.get(a.org.id);
  }

  async putPolicy(caller: Caller, a: OrgAccess, p: Partial<Policy>): Promise<Policy> {
    requireRole(a, caller, 'admin');
    const now = this.d.clock.now();
    return commit(this.d, async (r, changed) => {
      const next: Policy = { ...DEFAULT_POLICY, ...(await r.policies.get(a.org.id)), ...p };
      if (next.maxLifetimeDays !== null && (next.maxLifetimeDays < 1 || next.maxLifetimeDays > this.d.settings.maxTokenDays)) {
        throw new PatdError('validation_failed', `maxLifetimeDays must be 1–${this.d.settings.maxTokenDays} or null`, { field: 'maxLifetimeDays' });
      }
      validatePolicy(next);
      await r.policies.put(a.org.id, next, now);
      await this.d.events.record(r, contextOf(caller), now, { action: 'policy.updated', targetType: 'org', targetId: a.org.id, orgIds: [a.org.id], details: { policy: next } });
      changed.org(a.org.id);
      return next;
    });
  }
}
