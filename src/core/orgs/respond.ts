import { commit } from '../changes.js';
import type { CoreDeps } from '../deps.js';
import { PatdError } from '../errors.js';
import type { Caller, Page, PageQuery, Role } from '../model.js';
import { contextOf } from '../model.js';
import { type InvitationView, invitationView } from './invitation-model.js';

/** The caller's own pending invitations (not expired). */
export async function listMine(d: CoreDeps, caller: Caller, q: PageQuery): Promise<Page<InvitationView>> {
  const now = d.clock.now();
  const page = await d.store.r.invitations.listPendingForUser(caller.user.id, now, q);
  return { items: page.items.map((i) => invitationView(i, now)), nextCursor: page.nextCursor };
}

/**
 * The invitee answers. Accepting makes them a member with the invited role (their global
 * tokens now work in the org, so the verifier forgets what it cached about them); someone
 * else's invitation is not found; an answered or expired one is 409.
 */
export async function respond(d: CoreDeps, caller: Caller, id: string, action: 'accept' | 'decline'): Promise<InvitationView & { membershipRole: Role | null }> {
  if (action !== 'accept' && action !== 'decline') throw new PatdError('validation_failed', 'action must be accept or decline', { field: 'action' });
  const now = d.clock.now();
  const ctx = contextOf(caller);
  return commit(d, async (r, changed) => {
    const inv = /^inv_[0-9A-Za-z]{1,40}$/.test(id) ? await r.invitations.byId(id) : null;
    if (!inv || inv.userId !== caller.user.id) throw new PatdError('not_found', 'no such invitation');
    const state = inv.status === 'pending' && inv.expiresAt <= now ? 'expired' : inv.status;
    if (state !== 'pending') {
      throw new PatdError('conflict', state === 'expired'
        ? `this invitation expired at ${new Date(inv.expiresAt).toISOString()}; ask an admin of org "${inv.orgName}" for a new one`
        : `this invitation is already ${state}`);
    }
    // A PAT limited to some orgs does not join its owner to another one.
    const t = caller.token;
    if (action === 'accept' && t && t.orgIds !== null && !t.orgIds.includes(inv.orgId)) {
      throw new PatdError('beyond_token', `the token used for this call is not for org "${inv.orgName}"`);
    }
    const status = action === 'accept' ? 'accepted' : 'declined';
    if (!(await r.invitations.close(inv.id, status, now))) throw new PatdError('conflict', 'this invitation was answered meanwhile');
    const base = { targetType: 'invitation', targetId: inv.id, subjectUserId: inv.userId, orgIds: [inv.orgId] };
    await d.events.record(r, ctx, now, { action: `org.invitation_${status}`, ...base, details: { org: inv.orgName, role: inv.role, invitedBy: inv.invitedByName } });
    let role: Role | null = null;
    if (action === 'accept') {
      const before = await r.members.get(inv.orgId, inv.userId);
      // Already a member (an instance admin added them meanwhile): the role they have stays.
      role = before?.role ?? inv.role;
      if (!before) {
        await r.members.put(inv.orgId, inv.userId, inv.role, now);
        await d.events.record(r, ctx, now, {
          action: 'org.member_added', targetType: 'user', targetId: inv.userId, subjectUserId: inv.userId, orgIds: [inv.orgId],
          details: { username: inv.username, role: inv.role, previousRole: null, invitationId: inv.id, invitedBy: inv.invitedByName },
        });
        changed.user(inv.userId);
      }
    }
    return { ...invitationView({ ...inv, status, respondedAt: now }, now), membershipRole: role };
  });
}
