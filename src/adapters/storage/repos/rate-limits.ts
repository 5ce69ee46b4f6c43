import type { Kysely } from 'kysely';
import { sql } from '../kysely.js';
import type { RateLimitRepo } from '../../../core/ports.js';
import type { Database } from '../schema.js';

/**
 * Rate-limit windows as single-statement upserts (the same SQL on SQLite and PostgreSQL), so
 * concurrent requests on any number of instances count exactly. Time is the caller's clock.
 */
export function rateLimitRepo(db: Kysely<Database>): RateLimitRepo {
  return {
    async add(key, n, now, windowMs) {
      const row = await db.insertInto('rate_limits')
        .values({ key, hits: n, reset_at: now + windowMs })
        .onConflict((oc) => oc.column('key').doUpdateSet({
          hits: sql<number>`CASE WHEN rate_limits.reset_at <= ${now} THEN excluded.hits ELSE rate_limits.hits + excluded.hits END`,
          reset_at: sql<number>`CASE WHEN rate_limits.reset_at <= ${now} THEN excluded.reset_at ELSE rate_limits.reset_at END`,
        }))
        .returning(['hits', 'reset_at'])
        .executeTakeFirstOrThrow();
      return { count: Number(row.hits), resetAt: Number(row.reset_at) };
    },
    async get(key, now) {
      const row = await db.selectFrom('rate_limits').select(['hits', 'reset_at']).where('key', '=', key).where('reset_at', '>', now).executeTakeFirst();
      return row ? { count: Number(row.hits), resetAt: Number(row.reset_at) } : { count: 0, resetAt: now };
    },
    async refund(key, now) {
      await db.updateTable('rate_limits').set({ hits: sql<number>`hits - 1` })
        .where('key', '=', key).where('reset_at', '>', now).where('hits', '>', 0).execute();
    },
    async delete(key) {
      await db.deleteFrom('rate_limits').where('key', '=', key).execute();
    },
    async purge(now) {
      const r = await db.deleteFrom('rate_limits').where('reset_at', '<', now).executeTakeFirst();
      return Number(r.numDeletedRows);
    },
  };
}
