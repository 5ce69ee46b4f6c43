import type { Kysely } from 'kysely';

// Service accounts are users owned by an org (users.service_org_id, there since 0001). Deleting
// one keeps its row for the audit trail and its revoked tokens, marked here.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('users').addColumn('service_deleted_at', 'bigint').execute();
  await db.schema.createIndex('users_service_org').on('users').columns(['service_org_id', 'username']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('users_service_org').execute();
  await db.schema.alterTable('users').dropColumn('service_deleted_at').execute();
}
