import type { Kysely } from 'kysely';

// Resource servers allowed to call /oauth/introspect and /oauth/revoke. Only a SHA-256
// digest of the secret is kept.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createTable('clients')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('secret_digest', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('created_by', 'text')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('clients').execute();
}
