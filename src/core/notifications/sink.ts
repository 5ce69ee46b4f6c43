import type { EventSink } from '../audit/record.js';
import { newId } from '../ids.js';
import type { AuditEvent, User } from '../model.js';
import type { Repos } from '../ports.js';
import { EXPIRY_NOTICE, LEAK_REASON, type MailKind, type MailPayload, type TokenFacts, WEBHOOK_EVENTS, type WebhookEvent } from './model.js';

/** Outbox payload of a webhook delivery: the body is fixed at enqueue time, signed at send time. */
export interface WebhookPayload {
  webhookId: string;
  type: WebhookEvent;
  body: string;
}

/**
 * Turns token events into outbox messages, inside the transaction that records them: a mail
 * to the owner (creation, regeneration, expiry warning, revocation by someone else, leak) and
 * a delivery per matching webhook. Dedupe keys make each (token, kind[, lead, expiry]) once.
 */
export function notificationSink(wake: () => void): EventSink {
  return async (r: Repos, e: AuditEvent) => {
    if (e.targetType !== 'token' || !e.targetId) return;
    const type = webhookType(e.action);
    if (!type) return;
    let queued = false;
    const mail = mailKind(e);
    if (mail && e.subjectUserId) {
      const owner = await r.users.byId(e.subjectUserId);
      const to = owner ? await recipients(r, owner) : [];
      if (owner && to.length) {
        const payload: MailPayload = {
          kind: mail, to, username: owner.username, token: facts(e), at: e.at, ip: e.ip, userAgent: e.userAgent,
          actor: e.actor.name ?? e.actor.type, reason: str(e.details.reason), revoked: e.details.revoked === true,
          ...(typeof e.details.leadDays === 'number' ? { leadDays: e.details.leadDays } : {}),
          ...(owner.serviceOrgId ? { serviceAccountOrg: (await r.orgs.byId(owner.serviceOrgId))?.name ?? owner.serviceOrgId } : {}),
        };
        queued = (await r.outbox.enqueue({
          id: newId('msg'), kind: 'mail', dedupeKey: mailKey(mail, e), payload: payload as unknown as Record<string, unknown>,
          createdAt: e.at, availableAt: e.at,
        })) || queued;
      }
    }
    for (const h of await r.webhooks.forOrgs(e.orgIds)) {
      if (!h.events.includes(type)) continue;
      const body = JSON.stringify({
        type, timestamp: new Date(e.at).toISOString(),
        data: {
          eventId: e.id, token: facts(e), userId: e.subjectUserId, orgs: e.details.orgs ?? null,
          actor: e.actor, ip: e.ip, userAgent: e.userAgent,
          ...(e.details.reason !== undefined ? { reason: e.details.reason } : {}),
          ...(e.details.revoked !== undefined ? { revoked: e.details.revoked } : {}),
          ...(e.details.leadDays !== undefined ? { leadDays: e.details.leadDays } : {}),
        },
      });
      const payload: WebhookPayload = { webhookId: h.id, type, body };
      queued = (await r.outbox.enqueue({
        id: newId('msg'), kind: 'webhook', dedupeKey: `webhook:${h.id}:${e.id}`, payload: payload as unknown as Record<string, unknown>,
        createdAt: e.at, availableAt: e.at,
      })) || queued;
    }
    // The worker looks again shortly; if the transaction has not committed yet, its next poll will.
    if (queued) wake();
  };
}

function webhookType(action: string): WebhookEvent | null {
  if (action === EXPIRY_NOTICE) return 'token.expiring';
  return (WEBHOOK_EVENTS as readonly string[]).includes(action) ? (action as WebhookEvent) : null;
}

function mailKind(e: AuditEvent): MailKind | null {
  switch (e.action) {
    case 'token.created': case 'token.regenerated': case 'token.leaked': return e.action;
    case EXPIRY_NOTICE: return 'token.expiring';
    // The owner knows what they did; a leak revocation is covered by the leak mail.
    case 'token.revoked': return e.details.byOwner === true || e.details.reason === LEAK_REASON ? null : 'token.revoked';
    default: return null;
  }
}

function mailKey(kind: MailKind, e: AuditEvent): string {
  const id = e.targetId as string;
  switch (kind) {
    case 'token.regenerated': return `mail:${kind}:${id}:${String(e.details.version ?? e.id)}`;
    // Renewing re-arms the warning: the expiry is part of the key.
    case 'token.expiring': return `mail:${kind}:${id}:${String(e.details.leadDays)}:${String(e.details.expiresAt)}`;
    default: return `mail:${kind}:${id}`;
  }
}

/** The owner; for a service account, the admins of its org. */
async function recipients(r: Repos, owner: User): Promise<string[]> {
  if (!owner.serviceOrgId) return owner.email ? [owner.email] : [];
  const out: string[] = [];
  let cursor: string | null = null;
  do {
    const page = await r.members.listForOrg(owner.serviceOrgId, { limit: 200, cursor });
    for (const m of page.items) {
      if (m.role === 'member') continue;
      const u = await r.users.byId(m.userId);
      if (u?.email && !u.disabled) out.push(u.email);
    }
    cursor = page.nextCursor;
  } while (cursor);
  return [...new Set(out)];
}

function facts(e: AuditEvent): TokenFacts {
  const d = e.details;
  return {
    id: e.targetId as string, name: String(d.name ?? ''), hint: String(d.hint ?? ''), scopes: Array.isArray(d.scopes) ? d.scopes.map(String) : [],
    orgs: d.orgs === '*' ? '*' : Array.isArray(d.orgs) ? d.orgs.map(String) : [], expiresAt: String(d.expiresAt ?? ''),
    createdVia: String(d.createdVia ?? ''), clientName: typeof d.clientName === 'string' ? d.clientName : null,
  };
}

const str = (v: unknown) => (typeof v === 'string' ? v : null);
