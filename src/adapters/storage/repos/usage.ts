import type { Kysely } from 'kysely';
import type { TokenUsageRepo } from '../../../core/ports.js';
import { TOKEN_USAGE_MAX_IPS, type UsageAdd } from '../../../core/tokens/usage.js';
import type { Database } from '../schema.js';
import { isPostgres } from './dialect.js';

const CHUNK = 200;
const key = (r: { tokenId: string; day: string }): string => `${r.tokenId} ${r.day}`;

function parseIps(s: string): string[] {
  try {
    const v: unknown = JSON.parse(s);
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

/** Rows of one batch for the same token and day folded into one, in key order (rows are locked in that order). */
function fold(rows: UsageAdd[]): UsageAdd[] {
  const by = new Map<string, UsageAdd>();
  for (const r of rows) {
    const k = key(r);
    const had = by.get(k);
    if (had) by.set(k, { ...had, count: had.count + r.count, ips: [...new Set([...had.ips, ...r.ips])] });
    else by.set(k, { ...r });
  }
  return [...by.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v);
}

export function usageRepo(db: Kysely<Database>): TokenUsageRepo {
  async function addChunk(rows: UsageAdd[]): Promise<void> {
    // Make sure each row exists, lock them (PostgreSQL; SQLite has one writer), then add: two
    // instances flushing the same token and day each add their count, none is lost.
    await db.insertInto('token_usage').values(rows.map((r) => ({ token_id: r.tokenId, day: r.day, count: 0, ips: '[]' })))
      .onConflict((oc) => oc.columns(['token_id', 'day']).doNothing()).execute();
    let q = db.selectFrom('token_usage').select(['token_id', 'day', 'ips'])
      .where((eb) => eb.or(rows.map((r) => eb.and([eb('token_id', '=', r.tokenId), eb('day', '=', r.day)]))))
      .orderBy('token_id').orderBy('day');
    if (isPostgres(db)) q = q.forUpdate();
    const current = new Map<string, string[]>((await q.execute()).map((c) => [key({ tokenId: c.token_id, day: c.day }), parseIps(c.ips)]));
    for (const r of rows) {
      const had = current.get(key(r)) ?? [];
      const ips = [...new Set([...had, ...r.ips])].slice(0, TOKEN_USAGE_MAX_IPS);
      await db.updateTable('token_usage').set((eb) => ({ count: eb('count', '+', r.count), ips: JSON.stringify(ips) }))
        .where('token_id', '=', r.tokenId).where('day', '=', r.day).execute();
    }
  }
  return {
    async add(rows) {
      const all = fold(rows);
      for (let i = 0; i < all.length; i += CHUNK) await addChunk(all.slice(i, i + CHUNK));
    },
    async forToken(tokenId, fromDay) {
      const rows = await db.selectFrom('token_usage').selectAll().where('token_id', '=', tokenId).where('day', '>=', fromDay).orderBy('day').execute();
      return rows.map((r) => ({ day: r.day, count: Number(r.count), ips: parseIps(r.ips) }));
    },
  };
}
