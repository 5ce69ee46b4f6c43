import { commit } from '../changes.js';
import type { CoreDeps } from '../deps.js';
import { PatdError } from '../errors.js';
import { newId } from '../ids.js';
import type { Caller, Membership, Org, Page, PageQuery, Policy, Role } from '../model.js';
import { contextOf, DEFAULT_POLICY } from '../model.js';
import { validatePolicy } from '../policies/ip-allowlist.js';
import { checkName, checkOrgName } from '../validate.js';
import { type OrgAccess, requireRole, resolveOrgAccess } from './access.js';
import { actingIn, instanceAdminPowers } from './actor.js';
import { putMember, removeMember } from './members.js';

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

/** Policy bounds (the API's schema says the same). */
export const MAX_UNUSED_DAYS = 3650;
export const MAX_ALLOWLIST = 200;

export class OrgService {
  constructor(private readonly d: CoreDeps) {}

  /**
   * Creates an org owned by the caller. With PATD_ORG_CREATION=admins only instance admins may;
   * the operator at the CLI (`patd org add`) always may.
   */
  async create(caller: Caller, input: { name: string; displayName?: string }, o: { operator?: boolean } = {}): Promise<OrgView> {
    if (!o.operator && !this.mayCreate(caller)) {
      throw new PatdError('forbidden', 'on this instance only instance admins create organizations');
    }
    // A service account belongs to its org only; it would own the new one.
    if (caller.user.serviceOrgId !== null) throw new PatdError('forbidden', 'a service account cannot create organizations');
    // A PAT limited to some orgs acts in those only, and its owner's global tokens would reach the new org at once.
    if (caller.token && caller.token.orgIds !== null) {
      throw new PatdError('beyond_token', 'the token used for this call is limited to some orgs: a new org would be outside them', { field: 'orgs' });
    }
    const name = checkOrgName(input.name);
    const now = this.d.clock.now();
    const org: Org = { id: newId('org'), name, displayName: input.displayName === undefined ? name : checkName('displayName', input.displayName), createdAt: now };
    await commit(this.d, async (r, changed) => {
      if (await r.orgs.byName(name)) throw new PatdError('conflict', `org "${name}" already exists`, { field: 'name' });
      await r.orgs.insert(org);
      await r.members.put(org.id, caller.user.id, 'owner', now);
      await this.d.events.record(r, contextOf(caller), now, { action: 'org.created', targetType: 'org', targetId: org.id, subjectUserId: caller.user.id, orgIds: [org.id], details: { name } });
      changed.user(caller.user.id);
    });
    return orgView(org, 'owner');
  }

  /** Whether `create` lets this caller create an org (PATD_ORG_CREATION); pages offer the form only then. */
  mayCreate(caller: Caller): boolean {
    return this.d.settings.orgCreation === 'everyone' || instanceAdminPowers(caller);
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

  /** Any member sees who else is in the org and their roles. */
  members(a: OrgAccess, q: PageQuery): Promise<Page<Membership>> {
    requireRole(a, a.caller, 'member');
    return this.d.store.r.members.listForOrg(a.org.id, q);
  }

  /** One member of the org; anyone else is not found. */
  async member(a: OrgAccess, username: string): Promise<Membership> {
    requireRole(a, a.caller, 'member');
    const u = /^[a-z0-9][a-z0-9._-]{0,38}$/.test(username) ? await this.d.store.r.users.byUsername(username) : null;
    const m = u ? await this.d.store.r.members.get(a.org.id, u.id) : null;
    if (!m) throw new PatdError('not_found', `"${username.slice(0, 40)}" is not a member of org "${a.org.name}"`);
    return m;
  }

  /** Changes a member's role; only an instance admin adds a non-member directly (members.ts). */
  putMember(caller: Caller, a: OrgAccess, username: string, role: Role): Promise<Membership> {
    return putMember(this.d, actingIn(caller, a), username, role);
  }

  /** An org admin removes a member, or a member leaves; their tokens stop in the org at once (members.ts). */
  removeMember(caller: Caller, a: OrgAccess, username: string): Promise<void> {
    return removeMember(this.d, actingIn(caller, a), username);
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
      if (next.maxLifetimeDays !== null && (!Number.isInteger(next.maxLifetimeDays) || next.maxLifetimeDays < 1 || next.maxLifetimeDays > this.d.settings.maxTokenDays)) {
        throw new PatdError('validation_failed', `maxLifetimeDays must be 1–${this.d.settings.maxTokenDays} or null`, { field: 'maxLifetimeDays' });
      }
      // The same bounds as the API's schema, so a page (or the CLI) cannot store what the API refuses.
      if (next.revokeUnusedDays !== null && (!Number.isInteger(next.revokeUnusedDays) || next.revokeUnusedDays < 1 || next.revokeUnusedDays > MAX_UNUSED_DAYS)) {
        throw new PatdError('validation_failed', `revokeUnusedDays must be 1–${MAX_UNUSED_DAYS} or null`, { field: 'revokeUnusedDays' });
      }
      if (next.ipAllowlist.length > MAX_ALLOWLIST) throw new PatdError('validation_failed', `ipAllowlist holds at most ${MAX_ALLOWLIST} entries`, { field: 'ipAllowlist' });
      validatePolicy(next);
      await r.policies.put(a.org.id, next, now);
      await this.d.events.record(r, contextOf(caller), now, { action: 'policy.updated', targetType: 'org', targetId: a.org.id, orgIds: [a.org.id], details: { policy: next } });
      changed.org(a.org.id);
      return next;
    });
  }
}
