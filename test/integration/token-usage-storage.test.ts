import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { migrate, openDb } from '../../src/adapters/storage/db.js';
import { kyselyStore } from '../../src/adapters/storage/store.js';
import type { Token } from '../../src/core/model.js';
import type { Store } from '../../src/core/ports.js';
import { TOKEN_USAGE_MAX_IPS } from '../../src/core/tokens/usage.js';
import { createTestDb, dialects, type TestDb } from '../helpers/db.js';

const token = (id: string, name: string, hint: string): Token => ({
  id, userId: 'usr_a', name, hint, scopes: ['code:read'], orgIds: null, createdAt: 1000, expiresAt: 10_000, lastUsedAt: null,
  lastUsedIp: null, revokedAt: null, revokedBy: null, revokedReason: null, createdVia: 'web', clientName: null, userAgent: null, createdIp: null, version: 1,
});

/** The per-day usage counts and the token search, on every dialect. */
for (const dialect of await dialects()) {
  describe(`token usage and search storage (${dialect})`, () => {
    let db: TestDb;
    let store: Store;
    let other: Store;
    before(async () => {
      db = await createTestDb(dialect);
      const d = openDb(db.url);
      await migrate(d);
      store = kyselyStore(d);
      // PostgreSQL: a second connection pool on the same database, as another instance has. SQLite
      // serves one instance (better-sqlite3 blocks its process while waiting for a lock, so two
      // connections in one process would only wait on each other): concurrent transactions there.
      other = dialect === 'postgres' ? kyselyStore(openDb(db.url)) : store;
      await store.r.users.insert({ id: 'usr_a', username: 'ann', email: 'a@x.test', displayName: 'Ann', disabled: false, isAdmin: false, serviceOrgId: null, passwordHash: null, createdAt: 1 });
    });
    after(async () => {
      if (other !== store) await other.close();
      await store.close();
      await db.drop();
    });

    test('add creates a day, adds to it, keeps distinct IPs up to the bound; forToken reads from a day on', async () => {
      await store.tx((r) => r.usage.add([{ tokenId: 'tok_u1', day: '2026-11-30', count: 3, ips: ['10.0.0.1'] }]));
      await store.tx((r) => r.usage.add([
        { tokenId: 'tok_u1', day: '2026-11-30', count: 2, ips: ['10.0.0.1', '10.0.0.2'] },
        { tokenId: 'tok_u1', day: '2026-12-01', count: 1, ips: [] },
        { tokenId: 'tok_u1', day: '2026-12-01', count: 4, ips: ['::1'] },
        { tokenId: 'tok_u2', day: '2026-12-01', count: 7, ips: ['10.0.0.9'] },
      ]));
      assert.deepEqual(await store.r.usage.forToken('tok_u1', '2026-11-01'), [
        { day: '2026-11-30', count: 5, ips: ['10.0.0.1', '10.0.0.2'] },
        { day: '2026-12-01', count: 5, ips: ['::1'] },
      ]);
      assert.deepEqual(await store.r.usage.forToken('tok_u1', '2026-12-01'), [{ day: '2026-12-01', count: 5, ips: ['::1'] }]);
      assert.deepEqual(await store.r.usage.forToken('tok_none', '2026-11-01'), []);
      const many = Array.from({ length: 30 }, (_, i) => `192.0.2.${i}`);
      await store.tx((r) => r.usage.add([{ tokenId: 'tok_u3', day: '2026-12-01', count: 30, ips: many }]));
      const [row] = await store.r.usage.forToken('tok_u3', '2026-12-01');
      assert.equal(row?.count, 30);
      assert.equal(row?.ips.length, TOKEN_USAGE_MAX_IPS);
    });

    test('two instances adding to the same token and day at once: no count is lost', async () => {
      const add = (s: Store, i: number) => s.tx((r) => r.usage.add([
        { tokenId: 'tok_race', day: '2026-12-01', count: 1, ips: [`10.1.0.${i}`] },
        { tokenId: 'tok_race2', day: '2026-12-01', count: 1, ips: [] },
      ]));
      await Promise.all(Array.from({ length: 20 }, (_, i) => add(i % 2 ? store : other, i)));
      const [row] = await store.r.usage.forToken('tok_race', '2026-12-01');
      assert.equal(row?.count, 20);
      assert.equal(row?.ips.length, 20);
      assert.equal((await store.r.usage.forToken('tok_race2', '2026-12-01'))[0]?.count, 20);
    });

    test('listForUser with search: part of the name or hint, any case; % and _ are literal', async () => {
      await store.r.tokens.insert(token('tok_s1', 'Laptop git', 'patd_…Ab3x'), 'd1');
      await store.r.tokens.insert(token('tok_s2', 'CI 100%_done', 'patd_…zz99'), 'd2');
      await store.r.tokens.insert(token('tok_s3', 'nuget', 'patd_…q1w2'), 'd3');
      const ids = async (search: string) => (await store.r.tokens.listForUser('usr_a', { status: 'all', now: 0, search }, { limit: 50, cursor: null })).items.map((t) => t.id).sort();
      assert.deepEqual(await ids('LAPTOP'), ['tok_s1']);
      assert.deepEqual(await ids('ab3X'), ['tok_s1']);
      assert.deepEqual(await ids('%_'), ['tok_s2']);
      assert.deepEqual(await ids('0%'), ['tok_s2']);
      assert.deepEqual(await ids('patd_'), ['tok_s1', 'tok_s2', 'tok_s3']);
      assert.deepEqual(await ids(''), ['tok_s1', 'tok_s2', 'tok_s3']);
    });
  });
}
