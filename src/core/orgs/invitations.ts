import { DAY_MS } from '../clock.js';
import type { CoreDeps } from '../deps.js';
import { PatdError } from '../errors.js';
import { newId } from '../ids.js';
import type { Caller, Page, PageQuery, Role } from '../model.js';
import { checkSlug } from '../validate.js';
import { actsAsOwner, type OrgActor, requireOrgAdmin } from './actor.js';
import { type Invitation, INVITATION_DAYS, type InvitationView, invitationView } from './invitation-model.js';
import { listMine, respond } from './respond.js';
import { checkRole } from './members.js';

/**
 * Invitations: how a person joins an org with their consent. An org admin invites (the
 * invitee is mailed through the outbox, in the same transaction), lists and withdraws; the
 * invitee lists, accepts or declines (respond.ts).
 */
export class InvitationService {
  constructor(private readonly d: CoreDeps) {}

  /**
   * Invites a user. Refused for a member, a disabled user and a service account (it cannot
   * accept); a second invitation while one is pending is 409 (withdraw it to change the role).
   */
  async invite(by: OrgActor, input: { username: string; role: string }): Promise<InvitationView> {
    const username = checkSlug('username', input.username);
    const role = checkRole(input.role);
    requireOrgAdmin(by);
    if (role === 'owner' && !actsAsOwner(by)) throw new PatdError('forbidden', 'only owners can invite as owner', { field: 'role' });
    const now = this.d.clock.now();
    return this.d.store.tx(async (r) => {
      const u = await r.users.byUsername(username);
      if (!u) throw new PatdError('not_found', `no user "${username}"`);
      if (u.serviceOrgId) throw new PatdError('validation_failed', `${username} is a service account: it cannot accept invitations`, { field: 'username' });
      if (u.disabled) throw new PatdError('conflict', `${username} is disabled`, { field: 'username' });
      if (await r.members.get(by.org.id, u.id)) throw new PatdError('conflict', `${username} is already a member of org "${by.org.name}"`, { field: 'username' });
      const open = await r.invitations.pendingFor(by.org.id, u.id);
      if (open && open.expiresAt > now) {
        throw new PatdError('conflict', `${username} already has a pending invitation (${open.id}); withdraw it to invite again`, { field: 'username', invitationId: open.id });
      }
      if (open) await r.invitations.close(open.id, 'expired', now);
      const inv: Invitation = {
        id: newId('inv'), orgId: by.org.id, userId: u.id, role, invitedById: by.userId, invitedByName: by.ctx.actor.name ?? by.ctx.actor.type,
        createdAt: now, expiresAt: now + INVITATION_DAYS * DAY_MS, status: 'pending', respondedAt: null,
      };
      await r.invitations.insert(inv);
      // The invitation sink (notifications/invitation-sink.ts) queues the mail from this event.
      await this.d.events.record(r, by.ctx, now, {
        action: 'org.invited', targetType: 'invitation', targetId: inv.id, subjectUserId: u.id, orgIds: [by.org.id],
        details: { username, role, org: by.org.name, orgDisplayName: by.org.displayName, invitedBy: inv.invitedByName, expiresAt: new Date(inv.expiresAt).toISOString() },
      });
      return invitationView({ ...inv, orgName: by.org.name, orgDisplayName: by.org.displayName, username }, now);
    });
  }

  /** Pending invitations of the org (org admin); expired ones are left out. */
  async listForOrg(by: OrgActor, q: PageQuery): Promise<Page<InvitationView>> {
    requireOrgAdmin(by);
    const now = this.d.clock.now();
    const page = await this.d.store.r.invitations.listPendingForOrg(by.org.id, now, q);
    return { items: page.items.map((i) => invitationView(i, now)), nextCursor: page.nextCursor };
  }

  /** Withdraws a pending invitation of the org; anything else is not found. */
  async withdraw(by: OrgActor, id: string): Promise<void> {
    requireOrgAdmin(by);
    const now = this.d.clock.now();
    await this.d.store.tx(async (r) => {
      const inv = /^inv_[0-9A-Za-z]{1,40}$/.test(id) ? await r.invitations.byId(id) : null;
      if (!inv || inv.orgId !== by.org.id || inv.status !== 'pending' || inv.expiresAt <= now || !(await r.invitations.close(inv.id, 'withdrawn', now))) {
        throw new PatdError('not_found', 'no such pending invitation');
      }
      await this.d.events.record(r, by.ctx, now, {
        action: 'org.invitation_withdrawn', targetType: 'invitation', targetId: inv.id, subjectUserId: inv.userId, orgIds: [by.org.id],
        details: { username: inv.username, role: inv.role },
      });
    });
  }

  /** The caller's pending invitations. */
  listMine(caller: Caller, q: PageQuery): Promise<Page<InvitationView>> {
    return listMine(this.d, caller, q);
  }

  /** Accepts (the caller becomes a member with the invited role) or declines. */
  respond(caller: Caller, id: string, action: 'accept' | 'decline'): Promise<InvitationView & { membershipRole: Role | null }> {
    return respond(this.d, caller, id, action);
  }
}
