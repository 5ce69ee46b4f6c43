import type { Kysely, Selectable } from 'kysely';
import type { ActorType, AuditEvent } from '../../../core/model.js';
import type { AuditRepo } from '../../../core/ports.js';
import type { AuditEventsTable, Database } from '../schema.js';
import { decodeCursor, toPage } from './paging.js';

type Row = Selectable<AuditEventsTable> & { org_ids?: string | null };

function toEvent(r: Row, orgIds: string[]): AuditEvent {
  return {
    id: r.id, at: Number(r.at), actor: { type: r.actor_type as ActorType, id: r.actor_id, name: r.actor_name }, action: r.action,
    targetType: r.target_type, targetId: r.target_id, subjectUserId: r.subject_user_id, orgIds, ip: r.ip, userAgent: r.user_agent,
    details: JSON.parse(r.details) as Record<string, unknown>,
  };
}

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

    // Org queries walk audit_event_orgs (org_id, at, event_id); account queries audit_events_subject.
    async query(q, p) {
      let s = db.selectFrom('audit_events as e').selectAll('e');
      if (q.orgId) {
        const orgId = q.orgId;
        s = s.where((eb) => eb.exists(eb.selectFrom('audit_event_orgs as o').select('o.event_id').whereRef('o.event_id', '=', 'e.id').where('o.org_id', '=', orgId)));
      }
      if (q.subjectUserId) s = s.where('e.subject_user_id', '=', q.subjectUserId);
      if (q.action) {
        s = q.action.endsWith('.*') ? s.where('e.action', 'like', `${q.action.slice(0, -2).replace(/[%_\\]/g, '')}.%`) : s.where('e.action', '=', q.action);
      }
      if (q.actor) {
        const a = q.actor;
        s = s.where((eb) => eb.or([eb('e.actor_name', '=', a), eb('e.actor_id', '=', a)]));
      }
      if (q.since !== undefined) s = s.where('e.at', '>=', q.since);
      if (q.until !== undefined) s = s.where('e.at', '<', q.until);
      const c = decodeCursor(p.cursor);
      const dir = q.order;
      if (c) {
        const cmp = dir === 'desc' ? '<' : '>';
        s = s.where((eb) => eb.or([eb('e.at', cmp, c.at), eb.and([eb('e.at', '=', c.at), eb('e.id', cmp, c.id)])]));
      }
      const rows = await s.orderBy('e.at', dir).orderBy('e.id', dir).limit(p.limit + 1).execute();
      const ids = rows.map((r) => r.id);
      const links = ids.length ? await db.selectFrom('audit_event_orgs').select(['event_id', 'org_id']).where('event_id', 'in', ids).execute() : [];
      const byEvent = new Map<string, string[]>();
      for (const l of links) byEvent.set(l.event_id, [...(byEvent.get(l.event_id) ?? []), l.org_id]);
      return toPage(rows, p.limit, (r) => toEvent(r, (byEvent.get(r.id) ?? []).sort()), (r) => ({ at: Number(r.at), id: r.id }));
    },
  };
}
