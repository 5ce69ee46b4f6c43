/**
 * How long one expiry scan takes with 1,000,000 tokens, on SQLite and on PostgreSQL.
 *
 *   node --import tsx bench/expiry-scan.ts [tokens=1000000] [sqlite|postgres|both]
 *
 * It measures the compiled build in dist/ (what bin/patd runs; `npm run bench:*` builds it first),
 * not the TypeScript sources through tsx, whose transform makes the hot path ~20% slower.
 *
 * Tokens expire evenly over the next 365 days (about 2 per minute). After a first scan has
 * caught up (its watermark is at now+lead), the clock moves a minute at a time and each
 * steady-state scan is timed: it reads only the tokens whose expiry entered the window, from
 * the tokens_expires index. For scale, the same window is also counted with a full table walk.
 * Not part of `npm test`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { makeLogger } from '../dist/adapters/logger.js';
import { migrate, openDb } from '../dist/adapters/storage/db.js';
import { kyselyStore } from '../dist/adapters/storage/store.js';
import { loadConfig } from '../dist/config.js';
import { DAY_MS, ManualClock } from '../dist/core/clock.js';
import { ExpiryScanner } from '../dist/core/notifications/expiry.js';
import { TokenService } from '../dist/core/tokens/service.js';
import { buildCore } from '../dist/core-builder.js';

const N = Number(process.argv[2] ?? 1_000_000);
const which = process.argv[3] ?? 'both';
const PG_ADMIN = process.env.PATD_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const T0 = Date.UTC(2026, 10, 1);

async function run(dialect: 'sqlite' | 'postgres') {
  const dir = mkdtempSync(join(tmpdir(), 'patd-bench-'));
  let url = `sqlite:${join(dir, 'patd.db')}`;
  const name = `patd_bench_${Date.now()}`;
  if (dialect === 'postgres') {
    const c = new pg.Client({ connectionString: PG_ADMIN });
    await c.connect();
    await c.query(`CREATE DATABASE ${name}`);
    await c.end();
    const u = new URL(PG_ADMIN);
    u.pathname = `/${name}`;
    url = u.toString();
  }
  const db = openDb(url);
  await migrate(db);
  const k = db.kysely;
  await k.insertInto('users').values({ id: 'usr_bench', username: 'bench', email: 'bench@example.test', display_name: 'b', password_hash: null, disabled: 0, is_admin: 0, service_org_id: null, created_at: T0, updated_at: T0 }).execute();
  let t = Date.now();
  const CHUNK = 1_000;
  for (let i = 0; i < N; i += CHUNK) {
    const rows = [];
    for (let j = i; j < Math.min(N, i + CHUNK); j++) {
      rows.push({
        id: `tok_b${String(j).padStart(9, '0')}`, user_id: 'usr_bench', name: `t${j}`, digest: `d${j}`, hint: 'patd_…abcd', scopes: '["code:read"]',
        all_orgs: 1, created_at: T0 - DAY_MS, expires_at: T0 + Math.floor((j / N) * 365 * DAY_MS), last_used_at: null, last_used_ip: null,
        revoked_at: null, revoked_by: null, revoked_reason: null, created_via: 'api', client_name: null, user_agent: null, created_ip: null, version: 1,
      });
    }
    await k.insertInto('tokens').values(rows).execute();
  }
  if (dialect === 'postgres') await sql`ANALYZE tokens`.execute(k);
  const insertS = (Date.now() - t) / 1000;

  const clock = new ManualClock(T0);
  const config = loadConfig({ PATD_DATA_DIR: dir, PATD_DATABASE_URL: url, PATD_SECRET: 'bench-secret-bench-secret-bench-secret-00' });
  const store = kyselyStore(db);
  const core = buildCore(config, store, { clock });
  const log = makeLogger('silent');
  const scanner = new ExpiryScanner(core, new TokenService(core), { leads: [7], batch: 500 }, log);
  // Catch up once without notifying: start the watermark at now+lead (what the first minute after install does).
  await k.insertInto('scan_state').values({ key: 'expiry:7', at: T0 + 7 * DAY_MS, last_id: null, updated_at: T0 }).execute();
  const times: number[] = [];
  let warned = 0;
  for (let i = 0; i < 30; i++) {
    clock.advance(60_000);
    t = performance.now();
    warned += (await scanner.runOnce()).warned;
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  const upper = T0 + 7 * DAY_MS + 30 * 60_000;
  t = performance.now();
  await k.selectFrom('tokens').select((eb) => eb.fn.countAll().as('n')).where(sql<boolean>`expires_at + 0 > ${T0 + 7 * DAY_MS}`).where(sql<boolean>`expires_at + 0 <= ${upper}`).executeTakeFirst();
  const walkMs = performance.now() - t;
  await db.kysely.destroy();
  if (dialect === 'postgres') {
    const c = new pg.Client({ connectionString: PG_ADMIN });
    await c.connect();
    await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await c.end();
  }
  rmSync(dir, { recursive: true, force: true });
  const f = (x: number) => `${x.toFixed(2)} ms`;
  console.log(`${dialect}: ${N.toLocaleString('en')} tokens (inserted in ${insertS.toFixed(1)} s); 30 one-minute scans, ${warned} warnings: median ${f(times[15]!)}, p90 ${f(times[27]!)}, max ${f(times[29]!)}; the same 30-minute window by table walk: ${f(walkMs)}`);
}

for (const d of which === 'both' ? (['sqlite', 'postgres'] as const) : [which as 'sqlite' | 'postgres']) await run(d);
