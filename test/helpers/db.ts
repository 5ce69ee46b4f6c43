import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/** The PostgreSQL server tests use; each test run gets a database of its own on it. */
export const PG_ADMIN_URL = process.env.PATD_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDb {
  dialect: 'sqlite' | 'postgres';
  url: string;
  dataDir: string;
  drop(): Promise<void>;
}

let pgAvailable: Promise<boolean> | null = null;

async function pgReachable(): Promise<boolean> {
  const c = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 3000 });
  try {
    await c.connect();
    await c.end();
    return true;
  } catch {
    return false;
  }
}

/**
 * The dialects to run a suite on. PostgreSQL is required when CI is set: a missing server
 * fails the run instead of skipping.
 */
export async function dialects(): Promise<('sqlite' | 'postgres')[]> {
  pgAvailable ??= pgReachable();
  if (await pgAvailable) return ['sqlite', 'postgres'];
  if (process.env.CI) throw new Error(`PostgreSQL is not reachable at ${PG_ADMIN_URL}; CI requires it`);
  process.stderr.write(`warning: PostgreSQL not reachable at ${PG_ADMIN_URL}; running SQLite only (CI would fail)\n`);
  return ['sqlite'];
}

/** A fresh, empty database: a SQLite file in a temp folder, or `{prefix}<random>` (default `patd_test_`) on PostgreSQL. Benchmarks use it too. */
export async function createTestDb(dialect: 'sqlite' | 'postgres', o: { prefix?: string; adminUrl?: string } = {}): Promise<TestDb> {
  const prefix = o.prefix ?? 'patd_test_';
  const adminUrl = o.adminUrl ?? PG_ADMIN_URL;
  const dataDir = mkdtempSync(join(tmpdir(), `${prefix.replace(/_/g, '-')}`));
  if (dialect === 'sqlite') {
    return { dialect, url: `sqlite:${join(dataDir, 'patd.db')}`, dataDir, drop: async () => rmSync(dataDir, { recursive: true, force: true }) };
  }
  const name = `${prefix}${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    dialect, url: url.toString(), dataDir,
    async drop() {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The secret with its last character changed: a token that is certainly not the real one. */
export function tampered(secret: string): string {
  const last = secret.slice(-1);
  return `${secret.slice(0, -1)}${last === '0' ? '1' : '0'}`;
}
