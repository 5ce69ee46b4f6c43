import { existsSync } from 'node:fs';
import SQLite from 'better-sqlite3';
import { migrationProvider } from './migrations/index.js';

/** What a patd SQLite file holds, for a backup's manifest and a restore's check. */
export interface SqliteFacts {
  /** Migrations applied, oldest first. */
  migrations: string[];
  users: number;
  tokens: number;
  orgs: number;
  repos: number;
}

function facts(db: SQLite.Database): SqliteFacts {
  const has = db.prepare("select count(*) as n from sqlite_master where type = 'table' and name = 'kysely_migration'").get() as { n: number };
  if (has.n === 0) throw new Error('it has no patd tables');
  const n = (table: string) => (db.prepare(`select count(*) as n from ${table}`).get() as { n: number }).n;
  const migrations = (db.prepare('select name from kysely_migration order by name').all() as { name: string }[]).map((r) => r.name);
  return { migrations, users: n('users'), tokens: n('tokens'), orgs: n('orgs'), repos: n('git_repos') };
}

/**
 * An online copy of a live SQLite database through SQLite's backup API (better-sqlite3's
 * `backup()`): consistent while the server keeps writing, which a file copy of a WAL database
 * is not. All pages go in one step, so writers never make it start over.
 */
export async function snapshotSqlite(file: string, dest: string): Promise<SqliteFacts> {
  const db = new SQLite(file, { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    await db.backup(dest, { progress: () => 0x7fffffff });
  } finally {
    db.close();
  }
  return checkSqlite(dest);
}

/** Opens a copy, checks its integrity and that it is a patd database this version can run. */
export function checkSqlite(file: string): SqliteFacts {
  if (!existsSync(file)) throw new Error(`${file} does not exist`);
  const db = new SQLite(file, { fileMustExist: true });
  try {
    const ok = db.pragma('integrity_check', { simple: true });
    if (ok !== 'ok') throw new Error(`integrity check failed: ${String(ok)}`);
    return facts(db);
  } finally {
    db.close();
  }
}

/** Migrations of a database that this version of patd does not know (the database is newer). */
export async function unknownMigrations(applied: string[]): Promise<string[]> {
  const known = new Set(Object.keys(await migrationProvider.getMigrations()));
  return applied.filter((m) => !known.has(m));
}
