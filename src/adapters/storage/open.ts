import { existsSync } from 'node:fs';
import { sql } from './kysely.js';
import { type Db, type DbLog, migrate, openDb } from './db.js';
import { noSqliteDatabase, StorageError } from './errors.js';

export { StorageError };


/** Where the database is and which variable said so (PATD_DATABASE_URL, or PATD_DATA_DIR for the default file). */
export interface DbLocation {
  url: string;
  variable: string;
}

const PROBE_TIMEOUT_MS = 15_000;
/** Failures of the place, not of patd: reported as configuration errors. */
const ENVIRONMENT_CODES = /^(SQLITE_(READONLY|CANTOPEN|IOERR|FULL|PERM|NOTADB|CORRUPT|AUTH)(_[A-Z_]+)?|E[A-Z]+|28P01|28000|3D000|42501|53300|57P03|08\d{3})$/;

/** postgres://user:secret@host/db → postgres://user:***@host/db; a SQLite URL → its file. */
export function describeDb(url: string): string {
  if (url.startsWith('sqlite:')) return url.slice('sqlite:'.length);
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url.replace(/\/\/[^@/]*@/, '//***@');
  }
}

const cause = (e: unknown, url: string) => {
  const err = e as Error & { code?: string };
  const msg = (err.message || String(e)).replaceAll(url, describeDb(url));
  return err.code && !msg.includes(err.code) ? `${err.code}: ${msg}` : msg;
};

/** Errors that come from the place (permissions, disk, network, credentials) rather than from patd. */
export function isEnvironmentError(e: unknown): boolean {
  const code = (e as { code?: unknown }).code;
  return typeof code === 'string' && ENVIRONMENT_CODES.test(code);
}

/**
 * Opens the database and asks it one question, so that a wrong URL, an unreachable server or an
 * unusable file stops start-up with one line (the caller has checked the folders). With `create: false` (every command but `serve`
 * and `migrate`) a database that does not exist yet, or has no patd tables, is refused instead of
 * being created.
 */
export async function openChecked(loc: DbLocation, o: { create: boolean; log?: DbLog }): Promise<Db> {
  const where = describeDb(loc.url);
  const sqlite = loc.url.startsWith('sqlite:');
  if (sqlite && where !== ':memory:') {
    if (!o.create && !existsSync(where)) throw noSqliteDatabase(loc.variable, where);
  }
  let db: Db;
  try {
    db = openDb(loc.url, { log: o.log });
  } catch (e) {
    throw new StorageError(`${loc.variable}: cannot open ${where} (${cause(e, loc.url)})`);
  }
  try {
    await probe(db, loc, o.create);
  } catch (e) {
    await db.kysely.destroy().catch(() => {});
    throw e;
  }
  return db;
}

async function probe(db: Db, loc: DbLocation, create: boolean): Promise<void> {
  const where = describeDb(loc.url);
  const verb = db.dialect === 'postgres' ? 'cannot connect to' : 'cannot read';
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StorageError(`${loc.variable}: ${verb} ${where} (no answer within ${PROBE_TIMEOUT_MS / 1000} s)`)), PROBE_TIMEOUT_MS);
  });
  try {
    const q = db.dialect === 'postgres'
      ? sql<{ n: number }>`select count(*)::int as n from information_schema.tables where table_name = 'kysely_migration' and table_schema = current_schema()`
      : sql<{ n: number }>`select count(*) as n from sqlite_master where type = 'table' and name = 'kysely_migration'`;
    const r = await Promise.race([q.execute(db.kysely), timeout]);
    if (!create && Number(r.rows[0]?.n ?? 0) === 0) {
      throw new StorageError(`${loc.variable}: ${where} has no patd tables yet; point ${loc.variable} at the database "patd serve" uses, or create them with "patd migrate"`);
    }
  } catch (e) {
    if (e instanceof StorageError) throw e;
    throw new StorageError(`${loc.variable}: ${verb} ${where} (${cause(e, loc.url)})`);
  } finally {
    clearTimeout(timer);
  }
}

/** Migrates; a folder or server that refuses the writes is reported like an opening error. */
export async function migrateChecked(db: Db, loc: DbLocation): Promise<string[]> {
  try {
    return await migrate(db);
  } catch (e) {
    if (isEnvironmentError(e)) throw new StorageError(`${loc.variable}: cannot write to ${describeDb(loc.url)} (${cause(e, loc.url)})`);
    throw e;
  }
}
