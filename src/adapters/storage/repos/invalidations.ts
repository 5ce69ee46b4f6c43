import type { Kysely } from 'kysely';
import { sql } from '../kysely.js';
import type { Invalidation } from '../../../core/changes.js';
import type { InvalidationRepo } from '../../../core/ports.js';
import type { Database } from '../schema.js';
import { isPostgres } from './dialect.js';

/** The PostgreSQL channel every instance LISTENs on. */
export const INVALIDATION_CHANNEL = 'patd_invalidations';

/** What one message carries: ids to drop, or everything (a set too large to send). `from` is the sending Store. */
export type InvalidationMessage = { from: string } & ({ all: true } | Invalidation);

// NOTIFY payloads must stay under 8000 bytes; ids are ASCII, so characters are bytes.
const MAX_PAYLOAD = 7_000;
// Beyond this many messages for one change, "drop everything" is cheaper for everyone.
const MAX_CHUNKS = 16;
// The SQLite change log keeps the newest rows; a reader that fell further behind drops everything.
export const CHANGE_LOG_KEEP = 1_000;

/** Splits an invalidation into messages that each fit in a NOTIFY payload. */
export function encodeInvalidation(i: Invalidation, from: string): string[] {
  const out: string[] = [];
  const base = JSON.stringify({ from, tokens: [], users: [], orgs: [] }).length;
  let cur: Invalidation = { tokens: [], users: [], orgs: [] };
  let size = base;
  for (const kind of ['tokens', 'users', 'orgs'] as const) {
    for (const id of i[kind]) {
      const add = JSON.stringify(id).length + 1;
      if (size + add > MAX_PAYLOAD && size > base) {
        out.push(JSON.stringify({ from, ...cur }));
        cur = { tokens: [], users: [], orgs: [] };
        size = base;
      }
      cur[kind].push(id);
      size += add;
    }
  }
  out.push(JSON.stringify({ from, ...cur }));
  if (out.length > MAX_CHUNKS || out.some((m) => m.length > MAX_PAYLOAD)) return [JSON.stringify({ from, all: true })];
  return out;
}

/** null for anything that is not a message of ours (another program on the channel). */
export function decodeInvalidation(payload: string): InvalidationMessage | null {
  try {
    const m = JSON.parse(payload) as Record<string, unknown>;
    if (typeof m.from !== 'string') return null;
    if (m.all === true) return { from: m.from, all: true };
    const ids = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
    return { from: m.from, tokens: ids(m.tokens), users: ids(m.users), orgs: ids(m.orgs) };
  } catch {
    return null;
  }
}

/**
 * Tells the other instances and processes what a change made stale, inside the change's
 * transaction: PostgreSQL delivers a NOTIFY exactly when the transaction commits (never for one
 * that rolled back); on SQLite the rows of the change log commit with it.
 */
export function invalidationRepo(db: Kysely<Database>, origin: string): InvalidationRepo {
  return {
    async publish(i) {
      const messages = encodeInvalidation(i, origin);
      if (isPostgres(db)) {
        for (const m of messages) await sql`select pg_notify(${INVALIDATION_CHANNEL}, ${m})`.execute(db);
        return;
      }
      let last = 0;
      for (const m of messages) {
        const r = await db.insertInto('change_log').values({ origin, payload: m }).executeTakeFirst();
        last = Number(r.insertId ?? 0n);
      }
      if (last % 64 < messages.length) await db.deleteFrom('change_log').where('id', '<=', last - CHANGE_LOG_KEEP).execute();
    },
  };
}
