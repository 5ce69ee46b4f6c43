import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { migrate, openDb } from '../../src/adapters/storage/db.js';
import { kyselyStore } from '../../src/adapters/storage/store.js';
import { ManualClock } from '../../src/core/clock.js';
import type { Store } from '../../src/core/ports.js';
import { ScopeCatalog } from '../../src/core/scopes/catalog.js';
import { digestToken, generateToken, tokenHint } from '../../src/core/tokens/format.js';
import { TokenVerifier } from '../../src/core/tokens/verify.js';
import { createTestDb, dialects, type TestDb } from '../helpers/db.js';

const T0 = Date.UTC(2026, 10, 1);

/** The verifier's cache stays useful under a flood of well-formed unknown tokens. */
for (const dialect of await dialects()) {
  describe(`verifier cache under a flood (${dialect})`, () => {
    let db: TestDb;
    let store: Store;
    const clock = new ManualClock(T0);
    const secrets: string[] = [];
    before(async () => {
      db = await createTestDb(dialect);
      const d = openDb(db.url);
      await migrate(d);
      store = kyselyStore(d);
      await store.r.users.insert({ id: 'usr_a', username: 'ann', email: 'a@x.test', displayName: 'Ann', disabled: false, isAdmin: false, serviceOrgId: null, passwordHash: null, createdAt: T0 });
      for (let i = 0; i < 3; i++) {
        const s = generateToken('patd_');
        secrets.push(s);
        await store.r.tokens.insert({
          id: `tok_${i}`, userId: 'usr_a', name: `t${i}`, hint: tokenHint(s, 'patd_'), scopes: ['code:read'], orgIds: null, createdAt: T0,
          expiresAt: T0 + 86_400_000, lastUsedAt: null, lastUsedIp: null, revokedAt: null, revokedBy: null, revokedReason: null,
          createdVia: 'api', clientName: null, userAgent: null, createdIp: null, version: 1,
        }, digestToken(s));
      }
    });
    after(async () => {
      await store.close();
      await db.drop();
    });

    test('a flood of unknown tokens never evicts verified ones, and the negative cache stays bounded', async () => {
      const v = new TokenVerifier(store, new ScopeCatalog([]), clock, { prefix: 'patd_', ttlMs: 60_000, maxEntries: 10, maxMisses: 100 });
      for (const s of secrets) await v.verify(s);
      for (const s of secrets) assert.ok(v.verifyCached(s), 'cached after the first check');
      let refused = 0;
      for (let i = 0; i < 1000; i++) {
        await v.verify(generateToken('patd_')).catch((e) => {
          assert.equal(e.code, 'token_invalid');
          refused++;
        });
      }
      assert.equal(refused, 1000);
      for (const s of secrets) assert.ok(v.verifyCached(s), 'still answered from the cache, without storage');
      assert.deepEqual(v.stats(), { entries: 3, misses: 100 });
    });

    test('an unknown token seen again is refused from the negative cache; the LRU keeps what is used', async () => {
      const v = new TokenVerifier(store, new ScopeCatalog([]), clock, { prefix: 'patd_', ttlMs: 60_000, maxEntries: 2, maxMisses: 10 });
      const unknown = generateToken('patd_');
      await assert.rejects(v.verify(unknown), { code: 'token_invalid' });
      assert.throws(() => v.verifyCached(unknown), { code: 'token_invalid' }, 'decided without storage');
      const [a, b, c] = secrets as [string, string, string];
      await v.verify(a);
      await v.verify(b);
      v.verifyCached(a); // a is now the most recently used
      await v.verify(c); // evicts b, the least recently used
      assert.ok(v.verifyCached(a));
      assert.equal(v.verifyCached(b), undefined);
      assert.ok(v.verifyCached(c));
    });

    test('an invalidation drops exactly the entries it names', async () => {
      const v = new TokenVerifier(store, new ScopeCatalog([]), clock, { prefix: 'patd_', ttlMs: 60_000 });
      for (const s of secrets) await v.verify(s);
      v.invalidate({ tokens: ['tok_1'], users: [], orgs: [] });
      assert.ok(v.verifyCached(secrets[0] as string));
      assert.equal(v.verifyCached(secrets[1] as string), undefined);
      v.invalidate({ tokens: [], users: ['usr_a'], orgs: [] });
      assert.equal(v.stats().entries, 0);
    });
  });
}
