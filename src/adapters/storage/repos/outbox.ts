import type { Kysely, Selectable } from 'kysely';
import { sql } from '../kysely.js';
import type { OutboxRow, OutboxStatus } from '../../../core/notifications/ports.js';
import type { OutboxRepo } from '../../../core/ports.js';
import type { Database, OutboxTable } from '../schema.js';
import { isPostgres } from './dialect.js';
import { decodeCursor, toPage } from './paging.js';

function toRow(r: Selectable<OutboxTable>): OutboxRow {
  return {
    id: r.id, kind: r.kind, dedupeKey: r.dedupe_key, payload: JSON.parse(r.payload) as Record<string, unknown>,
    createdAt: Number(r.created_at), availableAt: Number(r.available_at), status: r.status as OutboxStatus, attempts: Number(r.attempts),
    leaseOwner: r.lease_owner, leaseUntil: r.lease_until === null ? null : Number(r.lease_until), lastError: r.last_error,
    sentAt: r.sent_at === null ? null : Number(r.sent_at),
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

    async lease(owner, now, leaseMs, limit) {
      const due = (eb: any) => eb.or([
        eb.and([eb('status', '=', 'pending'), eb('available_at', '<=', now)]),
        eb.and([eb('status', '=', 'sending'), eb('lease_until', '<', now)]),
      ]);
      let pick = db.selectFrom('outbox').select('id').where(due).orderBy('available_at').limit(limit);
      if (isPostgres(db)) pick = pick.forUpdate().skipLocked();
      const rows = await db.updateTable('outbox')
        .set({ status: 'sending', lease_owner: owner, lease_until: now + leaseMs, attempts: sql`attempts + 1` })
        .where('id', 'in', pick).where(due).returningAll().execute();
      return rows.map(toRow).sort((a, b) => a.availableAt - b.availableAt);
    },
    async renew(ids, owner, until) {
      if (ids.length === 0) return 0;
      const r = await db.updateTable('outbox').set({ lease_until: until })
        .where('id', 'in', ids).where('lease_owner', '=', owner).where('status', '=', 'sending').executeTakeFirst();
      return Number(r.numUpdatedRows);
    },
    async markSent(id, owner, at) {
      const r = await db.updateTable('outbox').set({ status: 'sent', sent_at: at, lease_owner: null, lease_until: null, last_error: null })
        .where('id', '=', id).where('lease_owner', '=', owner).where('status', '=', 'sending').executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },
    async reschedule(id, owner, availableAt, error) {
      await db.updateTable('outbox').set({ status: 'pending', available_at: availableAt, lease_owner: null, lease_until: null, last_error: error.slice(0, 1000) })
        .where('id', '=', id).where('lease_owner', '=', owner).execute();
    },
    async markFailed(id, owner, _at, error) {
      await db.updateTable('outbox').set({ status: 'failed', lease_owner: null, lease_until: null, last_error: error.slice(0, 1000) })
        .where('id', '=', id).where('lease_owner', '=', owner).execute();
    },
    async list(status, q) {
      const c = decodeCursor(q.cursor);
      let s = db.selectFrom('outbox').selectAll();
      if (status) s = s.where('status', '=', status);
      if (c) s = s.where((eb) => eb.or([eb('created_at', '<', c.at), eb.and([eb('created_at', '=', c.at), eb('id', '<', c.id)])]));
      const rows = await s.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(q.limit + 1).execute();
      return toPage(rows, q.limit, toRow, (r) => ({ at: Number(r.created_at), id: r.id }));
    },
    async backlog() {
      // The outbox_pending index (status, available_at) serves both counts.
      const rows = await db.selectFrom('outbox')
        .select((eb) => ['status', eb.fn.countAll<number>().as('n'), eb.fn.min('created_at').as('oldest')])
        .where('status', 'in', ['pending', 'sending', 'failed']).groupBy('status').execute();
      let waiting = 0;
      let oldest: number | null = null;
      let failed = 0;
      for (const r of rows) {
        if (r.status === 'failed') failed = Number(r.n);
        else {
          waiting += Number(r.n);
          const o = r.oldest === null ? null : Number(r.oldest);
          if (o !== null && (oldest === null || o < oldest)) oldest = o;
        }
      }
      return { waiting, oldestCreatedAt: oldest, failed };
    },
    async retry(id, now) {
      const r = await db.updateTable('outbox').set({ status: 'pending', available_at: now, attempts: 0, last_error: null })
        .where('id', '=', id).where('status', '=', 'failed').executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },
  };
}
