import { commit } from '../changes.js';
import type { CoreDeps } from '../deps.js';
import { PatdError } from '../errors.js';
import type { Membership, Page, PageQuery, Role } from '../model.js';
import { ROLES } from '../model.js';
import type { Repos } from '../ports.js';
import { checkSlug } from '../validate.js';
import { actsAsOwner, type OrgActor, requireOrgAdmin } from './actor.js';

export function checkRole(role: string): Role {
  if (!ROLES.includes(role as Role)) throw new PatdError('validation_failed', 'role must be owner, admin or member', { field: 'role' });
  return role as Role;
}

async function keepAnOwner(r: Repos, by: OrgActor, m: Membership, verb: string): Promise<void> {
  if (m.role === 'owner' && (await r.members.countOwners(by.org.id)) <= 1) {
    throw new PatdError('last_owner', `${m.username} is the last owner of org "${by.org.name}" and cannot ${verb}: make someone else owner first`);
  }
}

/** Members and roles, for a member of the org or the operator. */
export function listMembers(d: CoreDeps, by: OrgActor, q: PageQuery): Promise<Page<Membership>> {
  if (by.role === null && !by.instanceAdmin) throw new PatdError('not_found', `no org "${by.org.name}"`);
  return d.store.r.members.listForOrg(by.org.id, q);
}

/**
 * Changes a member's role. Joining needs the person's consent (an invitation they accept), so
 * only an instance admin adds a non-member here. Only owners grant or take away `owner`.
 */
export async function putMember(d: CoreDeps, by: OrgActor, username: string, role: Role): Promise<Membership> {
  checkSlug('username', username);
  checkRole(role);
  requireOrgAdmin(by);
  const now = d.clock.now();
  return commit(d, async (r, changed) => {
    const u = await r.users.byUsername(username);
    if (!u) throw new PatdError('not_found', `no user "${username}"`);
    if (u.serviceOrgId) throw new PatdError('conflict', `"${username}" is a service account; it belongs to its own org only`, { field: 'username' });
    const before = await r.members.get(by.org.id, u.id);
    if (!before && !by.instanceAdmin) {
      throw new PatdError('invitation_required', `${username} is not a member of org "${by.org.name}": invite them (POST /api/v1/orgs/${by.org.name}/invitations); they join when they accept`);
    }
    if ((role === 'owner' || before?.role === 'owner') && !actsAsOwner(by)) throw new PatdError('forbidden', 'only owners can grant or take away the owner role');
    if (before && role !== 'owner') await keepAnOwner(r, by, before, 'stop being an owner');
    if (before?.role === role) return before;
    await r.members.put(by.org.id, u.id, role, now);
    await d.events.record(r, by.ctx, now, {
      action: before ? 'org.member_updated' : 'org.member_added', targetType: 'user', targetId: u.id, subjectUserId: u.id,
      orgIds: [by.org.id], details: { username, role, previousRole: before?.role ?? null, ...(before ? {} : { direct: true }) },
    });
    changed.user(u.id);
    return (await r.members.get(by.org.id, u.id)) as Membership;
  });
}

/**
 * An org admin removes a member, or a member removes themself (leaves). Their tokens stop
 * working in the org at once (global ones too). The last owner stays.
 */
export async function removeMember(d: CoreDeps, by: OrgActor, username: string): Promise<void> {
  const now = d.clock.now();
  await commit(d, async (r, changed) => {
    const u = await r.users.byUsername(username);
    const self = !!u && u.id === by.userId;
    if (!self) requireOrgAdmin(by);
    const m = u ? await r.members.get(by.org.id, u.id) : null;
    if (!u || !m) throw new PatdError('not_found', `"${username.slice(0, 40)}" is not a member`);
    if (u.serviceOrgId) throw new PatdError('conflict', `"${username}" is a service account: delete it instead (DELETE /orgs/{org}/service-accounts/{username})`);
    if (!self && m.role === 'owner' && !actsAsOwner(by)) throw new PatdError('forbidden', 'only owners can remove an owner');
    await keepAnOwner(r, by, m, self ? 'leave' : 'be removed');
    await r.members.remove(by.org.id, u.id);
    await d.events.record(r, by.ctx, now, {
      action: 'org.member_removed', targetType: 'user', targetId: u.id, subjectUserId: u.id, orgIds: [by.org.id],
      details: { username, role: m.role, self },
    });
    changed.user(u.id);
  });
}
