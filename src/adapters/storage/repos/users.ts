import type { Kysely, Selectable } from 'kysely';
import type { User } from '../../../core/model.js';
import type { UserRepo } from '../../../core/ports.js';
import type { Database, UsersTable } from '../schema.js';
import { decodeCursor, toPage } from './paging.js';

export function toUser(r: Selectable<UsersTable>): User {
  return {
    id: r.id, username: r.username, email: r.email, displayName: r.display_name,
    disabled: !!r.disabled, isAdmin: !!r.is_admin, serviceOrgId: r.service_org_id,
    passwordHash: r.password_hash, createdAt: Number(r.created_at),
  };
}

export function userRepo(db: Kysely<Database>): UserRepo {
  return {
    async insert(u) {
      await db.insertInto('users').values({
        id: u.id, username: u.username, email: u.email, display_name: u.displayName,
        password_hash: u.passwordHash, disabled: u.disabled ? 1 : 0, is_admin: u.isAdmin ? 1 : 0,
        service_org_id: u.serviceOrgId, created_at: u.createdAt, updated_at: u.createdAt,
      }).execute();
    },
    async byId(id) {
      const r = await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
      return r ? toUser(r) : null;
    },
    async byUsername(username) {
      const r = await db.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirst();
      return r ? toUser(r) : null;
    },
    async list(q) {
      const c = decodeCursor(q.cursor);
      let sel = db.selectFrom('users').selectAll().orderBy('created_at').orderBy('id').limit(q.limit + 1);
      if (c) sel = sel.where((eb) => eb.or([eb('created_at', '>', c.at), eb.and([eb('created_at', '=', c.at), eb('id', '>', c.id)])]));
      return toPage(await sel.execute(), q.limit, toUser, (r) => ({ at: Number(r.created_at), id: r.id }));
    },
    async update(id, p) {
      const v: Partial<UsersTable> = {};
      if (p.email !== undefined) v.email = p.email;
      if (p.displayName !== undefined) v.display_name = p.displayName;
      if (p.disabled !== undefined) v.disabled = p.disabled ? 1 : 0;
      if (p.isAdmin !== undefined) v.is_admin = p.isAdmin ? 1 : 0;
      if (p.passwordHash !== undefined) v.password_hash = p.passwordHash;
      if (Object.keys(v).length) await db.updateTable('users').set(v).where('id', '=', id).execute();
    },
    async serviceAccounts(orgId) {
      const rows = await db.selectFrom('users').selectAll().where('service_org_id', '=', orgId)
        .where('service_deleted_at', 'is', null).orderBy('username').execute();
      return rows.map(toUser);
    },
    async markServiceAccountDeleted(id, at) {
      await db.updateTable('users').set({ disabled: 1, service_deleted_at: at, updated_at: at }).where('id', '=', id).where('service_org_id', 'is not', null).execute();
    },
    async count() {
      const r = await db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      return Number(r.n);
    },
  };
}
