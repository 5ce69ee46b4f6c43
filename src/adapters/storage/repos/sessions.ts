import type { Kysely, Selectable } from 'kysely';
import type { Session } from '../../../core/model.js';
import type { SessionRepo } from '../../../core/ports.js';
import type { Database, SessionsTable } from '../schema.js';

const toSession = (r: Selectable<SessionsTable>): Session => ({
  id: r.id, publicId: r.public_id, userId: r.user_id, csrfToken: r.csrf_token, createdAt: Number(r.created_at),
  expiresAt: Number(r.expires_at), ip: r.ip, userAgent: r.user_agent,
  lastSeenAt: Number(r.last_seen_at ?? r.created_at), lastSeenIp: r.last_seen_ip,
});

export function sessionRepo(db: Kysely<Database>): SessionRepo {
  return {
    async insert(s) {
      await db.insertInto('sessions').values({
        id: s.id, public_id: s.publicId, user_id: s.userId, csrf_token: s.csrfToken, created_at: s.createdAt,
        expires_at: s.expiresAt, ip: s.ip, user_agent: s.userAgent, last_seen_at: s.lastSeenAt, last_seen_ip: s.lastSeenIp,
      }).execute();
    },
    async byId(id) {
      const r = await db.selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirst();
      return r ? toSession(r) : null;
    },
    async byPublicId(publicId) {
      const r = await db.selectFrom('sessions').selectAll().where('public_id', '=', publicId).executeTakeFirst();
      return r ? toSession(r) : null;
    },
    async listForUser(userId, now) {
      const rows = await db.selectFrom('sessions').selectAll().where('user_id', '=', userId).where('expires_at', '>', now)
        .orderBy('last_seen_at', 'desc').orderBy('id').execute();
      return rows.map(toSession);
    },
    async delete(id) {
      await db.deleteFrom('sessions').where('id', '=', id).execute();
    },
    async deleteForUser(userId) {
      await db.deleteFrom('sessions').where('user_id', '=', userId).execute();
    },
    async deleteForUserExcept(userId, keepId) {
      const r = await db.deleteFrom('sessions').where('user_id', '=', userId).where('id', '<>', keepId).executeTakeFirst();
      return Number(r.numDeletedRows);
    },
    async touch(id, at, ip, staleBefore) {
      await db.updateTable('sessions').set({ last_seen_at: at, last_seen_ip: ip }).where('id', '=', id).where('last_seen_at', '<', staleBefore).execute();
    },
  };
}
