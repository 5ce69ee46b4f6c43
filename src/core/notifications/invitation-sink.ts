import type { EventSink } from '../audit/record.js';
import { DAY_MS } from '../clock.js';
import { newId, sha256Hex } from '../ids.js';
import type { AuditEvent } from '../model.js';
import type { Repos } from '../ports.js';
import type { InvitationMailPayload } from './model.js';

/** Invitation mails one inviter may send one person per day; invite, withdraw, invite again … cannot flood an inbox. */
export const INVITATION_MAILS_PER_DAY = 5;

/**
 * Queues the invitee's mail for `org.invited`, inside the transaction that records it: sent
 * once per invitation (the dedupe key), after a restart too, and never for one that rolled back.
 * Past INVITATION_MAILS_PER_DAY from the same inviter (their username; `cli` for the operator)
 * the invitation still stands, on the invitee's pages and GET /me/invitations, unmailed. The
 * count is per inviter, so nobody can use it up to keep someone else's invitations unmailed.
 */
export function invitationSink(wake: () => void): EventSink {
  return async (r: Repos, e: AuditEvent) => {
    if (e.action !== 'org.invited' || !e.targetId || !e.subjectUserId) return;
    const u = await r.users.byId(e.subjectUserId);
    if (!u?.email || u.disabled) return;
    const inviter = e.actor.name ?? e.actor.type;
    const w = await r.rateLimits.add(`invitation-mail:${sha256Hex(`${inviter}\n${u.id}`).slice(0, 40)}`, 1, e.at, DAY_MS);
    if (w.count > INVITATION_MAILS_PER_DAY) return;
    const d = e.details;
    const payload: InvitationMailPayload = {
      kind: 'org.invited', to: [u.email], username: u.username, invitationId: e.targetId, org: String(d.org ?? ''),
      orgDisplayName: String(d.orgDisplayName ?? ''), role: String(d.role ?? ''), invitedBy: String(d.invitedBy ?? e.actor.name ?? e.actor.type),
      expiresAt: String(d.expiresAt ?? ''), at: e.at,
    };
    const queued = await r.outbox.enqueue({
      id: newId('msg'), kind: 'mail', dedupeKey: `mail:org.invited:${e.targetId}`, payload: payload as unknown as Record<string, unknown>,
      createdAt: e.at, availableAt: e.at,
    });
    if (queued) wake();
  };
}
