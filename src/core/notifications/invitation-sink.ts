import type { EventSink } from '../audit/record.js';
import { newId } from '../ids.js';
import type { AuditEvent } from '../model.js';
import type { Repos } from '../ports.js';
import type { InvitationMailPayload } from './model.js';

/**
 * Queues the invitee's mail for `org.invited`, inside the transaction that records it: sent
 * once per invitation (the dedupe key), after a restart too, and never for one that rolled back.
 */
export function invitationSink(wake: () => void): EventSink {
  return async (r: Repos, e: AuditEvent) => {
    if (e.action !== 'org.invited' || !e.targetId || !e.subjectUserId) return;
    const u = await r.users.byId(e.subjectUserId);
    if (!u?.email || u.disabled) return;
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
