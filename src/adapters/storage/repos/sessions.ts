import type { Kysely } from 'kysely';
import type { SessionRepo } from '../../../core/ports.js';
import type { Database } from '../schema.js';

export function sessionRepo(db: Kysely<Database>): SessionRepo {
  return {
    async insert(s) {
      await db.insertInto('sessions').values({
        id: s.id, user_id: s.userId, csrf_token: s.csrfToken, created_at: s.createdAt,
        expires_at: s.expiresAt, ip: s.ip, user_agent: s.userAgent,
      }).execute();
    },
    async byId(id) {
      const r = await db.selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirst();
      return r ? {
        id: r.id, userId: r.user_id, csrfToken: r.csrf_token, createdAt: Number(r.created_at),
        expiresAt: Number(r.expires_at), ip: r.ip, userAgent: r.user_agent,
      } : null;
    },
    async delete(id) {
      await db.deleteFrom('sessions').where('id', '=', id).execute();
    },
    async deleteForUser(userId) {
      await db.deleteFrom('sessions').where('user_id', '=', userId).execute();
    },
  };
}
