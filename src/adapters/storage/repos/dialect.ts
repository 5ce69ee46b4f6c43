import { type Kysely, PostgresAdapter } from 'kysely';

/** PostgreSQL gets row locks (FOR UPDATE, SKIP LOCKED); SQLite has one writer and needs none. */
export function isPostgres(db: Kysely<any>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}
