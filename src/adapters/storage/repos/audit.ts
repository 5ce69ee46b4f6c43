import type { Kysely } from 'kysely';
import type { AuditRepo, OutboxRepo } from '../../../core/ports.js';
import type { Database } from '../schema.js';

export function auditRepo(db: Kysely<Database>): AuditRepo {
  return {
    async append(e) {
      await db.insertInto('audit_events').values({
        id: e.id, at: e.at, actor_type: e.actor.type, actor_id: e.actor.id, actor_name: e.actor.name,
        action: e.action, target_type: e.targetType, target_id: e.targetId, subject_user_id: e.subjectUserId,
        ip: e.ip, user_agent: e.userAgent, details: JSON.stringify(e.details),
      }).execute();
      const orgs = [...new Set(e.orgIds)];
      if (orgs.length) await db.insertInto('audit_event_orgs').values(orgs.map((org_id) => ({ event_id: e.id, org_id, at: e.at }))).execute();
    },
  };
}

export function outboxRepo(db: Kysely<Database>): OutboxRepo {
  return {
    async enqueue(m) {
      const r = await db.insertInto('outbox').values({
        id: m.id, kind: m.kind, dedupe_key: m.dedupeKey, payload: JSON.stringify(m.payload), status: 'pending',
        attempts: 0, available_at: m.availableAt, lease_owner: null, lease_until: null, last_error: null,
        created_at: m.createdAt, sent_at: null,
      }).onConflict((oc) => oc.column('dedupe_key').doNothing()).executeTakeFirst();
      return Number(r.numInsertedOrUpdatedRows ?? 0n) > 0;
    },
  };
}
