import type { Kysely } from 'kysely';
import { PostgresAdapter } from '../kysely.js';

/** PostgreSQL gets row locks (FOR UPDATE, SKIP LOCKED); SQLite has one writer and needs none. */
export function isPostgres(db: Kysely<any>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}
