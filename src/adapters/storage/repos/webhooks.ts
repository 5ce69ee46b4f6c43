import type { Kysely, Selectable } from 'kysely';
import type { Webhook, WebhookDelivery, WebhookRepo } from '../../../core/notifications/ports.js';
import type { Database, WebhookDeliveriesTable, WebhooksTable } from '../schema.js';
import { decodeCursor, toPage } from './paging.js';

const toHook = (r: Selectable<WebhooksTable>): Webhook => ({
  id: r.id, orgId: r.org_id, url: r.url, events: JSON.parse(r.events) as string[], description: r.description,
  sealedSecret: r.secret_sealed, createdBy: r.created_by, createdAt: Number(r.created_at),
});

const toDelivery = (r: Selectable<WebhookDeliveriesTable>): WebhookDelivery => ({
  id: r.id, webhookId: r.webhook_id, messageId: r.message_id, eventType: r.event_type, attempt: Number(r.attempt), at: Number(r.at),
  statusCode: r.status_code === null ? null : Number(r.status_code), ok: !!r.ok, error: r.error, durationMs: Number(r.duration_ms),
});

export function webhookRepo(db: Kysely<Database>): WebhookRepo {
  return {
    async insert(w) {
      await db.insertInto('webhooks').values({
        id: w.id, org_id: w.orgId, url: w.url, events: JSON.stringify(w.events), description: w.description,
        secret_sealed: w.sealedSecret, created_by: w.createdBy, created_at: w.createdAt,
      }).execute();
    },
    async byId(id) {
      const r = await db.selectFrom('webhooks').selectAll().where('id', '=', id).executeTakeFirst();
      return r ? toHook(r) : null;
    },
    async list(orgId, q) {
      const c = decodeCursor(q.cursor);
      let s = db.selectFrom('webhooks').selectAll().where('org_id', orgId === null ? 'is' : '=', orgId);
      if (c) s = s.where((eb) => eb.or([eb('created_at', '>', c.at), eb.and([eb('created_at', '=', c.at), eb('id', '>', c.id)])]));
      const rows = await s.orderBy('created_at').orderBy('id').limit(q.limit + 1).execute();
      return toPage(rows, q.limit, toHook, (r) => ({ at: Number(r.created_at), id: r.id }));
    },
    async delete(id) {
      await db.deleteFrom('webhook_deliveries').where('webhook_id', '=', id).execute();
      await db.deleteFrom('webhooks').where('id', '=', id).execute();
    },
    async forOrgs(orgIds) {
      const rows = await db.selectFrom('webhooks').selectAll()
        .where((eb) => (orgIds.length ? eb.or([eb('org_id', 'is', null), eb('org_id', 'in', orgIds)]) : eb('org_id', 'is', null))).execute();
      return rows.map(toHook);
    },
    async addDelivery(d) {
      await db.insertInto('webhook_deliveries').values({
        id: d.id, webhook_id: d.webhookId, message_id: d.messageId, event_type: d.eventType, attempt: d.attempt, at: d.at,
        status_code: d.statusCode, ok: d.ok ? 1 : 0, error: d.error, duration_ms: d.durationMs,
      }).execute();
    },
    async deliveries(webhookId, q) {
      const c = decodeCursor(q.cursor);
      let s = db.selectFrom('webhook_deliveries').selectAll().where('webhook_id', '=', webhookId);
      if (c) s = s.where((eb) => eb.or([eb('at', '<', c.at), eb.and([eb('at', '=', c.at), eb('id', '<', c.id)])]));
      const rows = await s.orderBy('at', 'desc').orderBy('id', 'desc').limit(q.limit + 1).execute();
      return toPage(rows, q.limit, toDelivery, (r) => ({ at: Number(r.at), id: r.id }));
    },
  };
}
