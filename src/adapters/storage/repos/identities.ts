import type { Kysely, Selectable } from 'kysely';
import type { UserIdentity } from '../../../core/model.js';
import type { UserIdentityRepo } from '../../../core/ports.js';
import type { Database, UserIdentitiesTable } from '../schema.js';

const toIdentity = (r: Selectable<UserIdentitiesTable>): UserIdentity => ({
  issuer: r.issuer, subject: r.subject, userId: r.user_id, email: r.email,
  createdAt: Number(r.created_at), lastSignInAt: Number(r.last_sign_in_at),
});

export function identityRepo(db: Kysely<Database>): UserIdentityRepo {
  return {
    async insert(i) {
      await db.insertInto('user_identities').values({
        issuer: i.issuer, subject: i.subject, user_id: i.userId, email: i.email,
        created_at: i.createdAt, last_sign_in_at: i.lastSignInAt,
      }).execute();
    },
    async find(issuer, subject) {
      const r = await db.selectFrom('user_identities').selectAll().where('issuer', '=', issuer).where('subject', '=', subject).executeTakeFirst();
      return r ? toIdentity(r) : null;
    },
    async listForUser(userId) {
      const rows = await db.selectFrom('user_identities').selectAll().where('user_id', '=', userId).orderBy('created_at').orderBy('issuer').execute();
      return rows.map(toIdentity);
    },
    async touch(issuer, subject, at, email) {
      await db.updateTable('user_identities').set({ last_sign_in_at: at, email })
        .where('issuer', '=', issuer).where('subject', '=', subject).execute();
    },
  };
}
