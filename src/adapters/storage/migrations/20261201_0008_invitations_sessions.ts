import type { Kysely } from 'kysely';
import { sql } from '../kysely.js';
import { newId } from '../../../core/ids.js';

// Membership by consent: an org invites, the person accepts (docs/orgs.md). At most one
// pending invitation per (org, user); an expired one is closed when a new one is made.
// Sessions get a public id (the stored id is the cookie's digest and is never shown) and a
// last-seen time and address for /me/sessions.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createTable('invitations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('orgs.id'))
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('invited_by_id', 'text')
    .addColumn('invited_by_name', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('responded_at', 'bigint')
    .execute();
  await db.schema.createIndex('invitations_pending').on('invitations').columns(['org_id', 'user_id']).unique().where(sql.ref('status'), '=', 'pending').execute();
  await db.schema.createIndex('invitations_org').on('invitations').columns(['org_id', 'status', 'created_at', 'id']).execute();
  await db.schema.createIndex('invitations_user').on('invitations').columns(['user_id', 'status', 'created_at', 'id']).execute();

  await db.schema.alterTable('sessions').addColumn('public_id', 'text').execute();
  await db.schema.alterTable('sessions').addColumn('last_seen_at', 'bigint').execute();
  await db.schema.alterTable('sessions').addColumn('last_seen_ip', 'text').execute();
  const rows = await db.selectFrom('sessions').select(['id', 'created_at', 'ip']).execute();
  for (const r of rows) {
    await db.updateTable('sessions').set({ public_id: newId('ses'), last_seen_at: r.created_at, last_seen_ip: r.ip }).where('id', '=', r.id).execute();
  }
  await db.schema.createIndex('sessions_public_id').on('sessions').column('public_id').unique().execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('sessions_public_id').execute();
  for (const c of ['last_seen_ip', 'last_seen_at', 'public_id']) await db.schema.alterTable('sessions').dropColumn(c).execute();
  await db.schema.dropTable('invitations').execute();
}
