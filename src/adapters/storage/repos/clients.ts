import type { Kysely, Selectable } from 'kysely';
import type { ClientRepo, ResourceClient } from '../../../core/clients/model.js';
import type { ClientsTable, Database } from '../schema.js';

const toClient = (r: Selectable<ClientsTable>): ResourceClient => ({
  id: r.id, name: r.name, createdAt: Number(r.created_at), createdBy: r.created_by,
});

export function clientRepo(db: Kysely<Database>): ClientRepo {
  return {
    async insert(c, secretDigest) {
      await db.insertInto('clients').values({
        id: c.id, name: c.name, secret_digest: secretDigest, created_at: c.createdAt, created_by: c.createdBy,
      }).execute();
    },
    async byId(id) {
      const r = await db.selectFrom('clients').selectAll().where('id', '=', id).executeTakeFirst();
      return r ? { ...toClient(r), secretDigest: r.secret_digest } : null;
    },
    async byName(name) {
      const r = await db.selectFrom('clients').selectAll().where('name', '=', name).executeTakeFirst();
      return r ? toClient(r) : null;
    },
    async list() {
      return (await db.selectFrom('clients').selectAll().orderBy('created_at').orderBy('id').execute()).map(toClient);
    },
    async remove(id) {
      const r = await db.deleteFrom('clients').where('id', '=', id).executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    },
  };
}
