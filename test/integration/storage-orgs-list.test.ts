import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { migrate, openDb } from '../../src/adapters/storage/db.js';
import { kyselyStore } from '../../src/adapters/storage/store.js';
import type { Store } from '../../src/core/ports.js';
import { createTestDb, dialects, type TestDb } from '../helpers/db.js';

// OrgRepo.list (patd org list), on every dialect.
for (const dialect of await dialects()) {
  describe(`storage: orgs.list (${dialect})`, () => {
    let db: TestDb;
    let store: Store;
    before(async () => {
      db = await createTestDb(dialect);
      const d = openDb(db.url);
      await migrate(d);
      store = kyselyStore(d);
    });
    after(async () => {
      await store.close();
      await db.drop();
    });

    test('every org, oldest first, page by page; an empty instance lists none', async () => {
      assert.deepEqual(await store.r.orgs.list({ limit: 10, cursor: null }), { items: [], nextCursor: null });
      // Two orgs created in the same millisecond keep a stable order (by id).
      await store.r.orgs.insert({ id: 'org_b', name: 'beta', displayName: 'Beta', createdAt: 5 });
      await store.r.orgs.insert({ id: 'org_a', name: 'alpha', displayName: 'Alpha', createdAt: 5 });
      await store.r.orgs.insert({ id: 'org_c', name: 'gamma', displayName: 'Gamma', createdAt: 1 });
      const p1 = await store.r.orgs.list({ limit: 2, cursor: null });
      assert.deepEqual(p1.items.map((o) => o.name), ['gamma', 'alpha']);
      assert.ok(p1.nextCursor);
      const p2 = await store.r.orgs.list({ limit: 2, cursor: p1.nextCursor });
      assert.deepEqual(p2.items, [{ id: 'org_b', name: 'beta', displayName: 'Beta', createdAt: 5 }]);
      assert.equal(p2.nextCursor, null);
    });
  });
}
