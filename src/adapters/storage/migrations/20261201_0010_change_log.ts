import type { Kysely } from 'kysely';
import { PostgresAdapter } from '../kysely.js';

// Invalidations for the other processes on one SQLite file (a running server hears what the CLI
// changed): appended in the change's transaction, polled by every server, pruned by id.
// PostgreSQL instances use LISTEN/NOTIFY instead; the table exists there too, unused.
export async function up(db: Kysely<any>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter;
  await db.schema.createTable('change_log')
    .addColumn('id', pg ? 'bigserial' : 'integer', (c) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('origin', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('change_log').execute();
}
