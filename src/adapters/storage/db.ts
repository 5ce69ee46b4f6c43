import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect } from './kysely.js';
import type pg from 'pg';
import { privateFile } from '../files.js';
import { guarded } from './driver.js';
import { migrationProvider } from './migrations/index.js';
import type { Database } from './schema.js';

let pgModule: typeof pg | undefined;
/**
 * node-postgres, loaded on the first PostgreSQL URL: a CLI command on a SQLite database starts
 * without it (it costs tens of milliseconds of every start-up).
 */
function loadPg(): typeof pg {
  if (!pgModule) {
    pgModule = createRequire(import.meta.url)('pg') as typeof pg;
    // bigint columns hold epoch milliseconds: well inside Number's safe range.
    pgModule.types.setTypeParser(20, (v) => Number(v));
  }
  return pgModule;
}

export type Dialect = 'sqlite' | 'postgres';

export interface Db {
  kysely: Kysely<Database>;
  dialect: Dialect;
  /** The connection string it was opened with (the invalidation listener opens its own connection). */
  url: string;
  /** Names this opened database in the invalidations it publishes (its own listener skips them). */
  origin: string;
  /** The SQLite handle (SQLite only). */
  sqlite?: SQLite.Database;
  /** The connection pool (PostgreSQL only), for its gauges in /metrics. */
  pool?: pg.Pool;
}

/** What the storage layer reports that nobody asked for: a connection lost while idle or held. */
export interface DbLog {
  warn(obj: object, msg: string): void;
  debug(obj: object, msg: string): void;
}

/**
 * How long better-sqlite3 may wait for another process's lock, blocking the event loop. Kept to
 * a few milliseconds: transactions wait for the lock asynchronously instead (store.ts).
 */
export const SQLITE_BUSY_TIMEOUT_MS = 5;

/** `sqlite:/path/to/file.db` or `postgres://…`. */
export function openDb(url: string, opts: { poolSize?: number; log?: DbLog } = {}): Db {
  const log = opts.log;
  const origin = randomBytes(6).toString('hex');
  const onRollbackError = (err: unknown) => log?.debug({ err }, 'rollback failed after an error (the error that caused it is reported)');
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
    const pool = new (loadPg().Pool)({ connectionString: url, max: opts.poolSize ?? 10, connectionTimeoutMillis: 5_000, keepAlive: true });
    const lost = (err: Error) => log?.warn({ err: { message: err.message, code: (err as { code?: string }).code } }, 'database connection lost');
    pool.on('error', () => {}); // an idle client's error: the pool drops it and connects anew on demand
    // A client that Kysely holds (between the statements of a transaction) has no pool listener:
    // its 'error' event (a terminated backend, 57P01) would be unhandled and end the process
    // (node-postgres#2509). The query in flight, or the next one, fails with the error anyway.
    pool.on('connect', (client) => client.on('error', lost));
    const dialect = guarded(new PostgresDialect({ pool }), { onRollbackError });
    return { kysely: new Kysely<Database>({ dialect }), dialect: 'postgres', url, origin, pool };
  }
  if (url.startsWith('sqlite:')) {
    const file = url.slice('sqlite:'.length);
    if (file !== ':memory:') {
      // A folder made here is private; an existing one is the operator's (it may be shared).
      mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
      privateFile(file);
    }
    const database = new SQLite(file);
    database.pragma('journal_mode = WAL');
    database.pragma('synchronous = NORMAL');
    database.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
    database.pragma('foreign_keys = ON');
    const dialect = guarded(new SqliteDialect({ database }), { sqlite: database, onRollbackError });
    return { kysely: new Kysely<Database>({ dialect }), dialect: 'sqlite', url, origin, sqlite: database };
  }
  throw new Error(`unsupported database URL scheme (use sqlite:PATH or postgres://…)`);
}

export async function migrate(db: Db): Promise<string[]> {
  // Names compared by code point, as Kysely sorts the provider's: its default (localeCompare) costs
  // every command's start-up the set-up of ICU collation, and gives the same order for these names.
  const nameComparator = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
  const migrator = new Migrator({ db: db.kysely, provider: migrationProvider, nameComparator });
  // Start-up may wait for another process's lock: nothing is being served yet.
  db.sqlite?.pragma('busy_timeout = 5000');
  try {
    const { error, results } = await migrator.migrateToLatest();
    if (error) throw error instanceof Error ? error : new Error(String(error));
    return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
  } finally {
    db.sqlite?.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
  }
}
