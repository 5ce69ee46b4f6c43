import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { migrate, openDb } from '../../src/adapters/storage/db.js';
import { kyselyStore } from '../../src/adapters/storage/store.js';
import type { Token, User } from '../../src/core/model.js';
import type { Store } from '../../src/core/ports.js';
import { createTestDb, dialects, type TestDb } from '../helpers/db.js';

const user = (id: string, username: string, at: number): User => ({
  id, username, email: `${username}@x.test`, displayName: username, disabled: false, isAdmin: false, serviceOrgId: null, passwordHash: null, createdAt: at,
});
const token = (id: string, userId: string, o: Partial<Token> = {}): Token => ({
  id, userId, name: id, hint: 'patd_…abcd', scopes: ['code:read'], orgIds: null, createdAt: 1000, expiresAt: 10_000, lastUsedAt: null,
  lastUsedIp: null, revokedAt: null, revokedBy: null, revokedReason: null, createdVia: 'api', clientName: null, userAgent: null, createdIp: null, version: 1, ...o,
});

/** One storage contract, every dialect: the same cases run on SQLite and PostgreSQL. */
for (const dialect of await dialects()) {
  describe(`storage contract (${dialect})`, () => {
    let db: TestDb;
    let store: Store;
    before(async () => {
      db = await createTestDb(dialect);
      const d = openDb(db.url);
      assert.ok((await migrate(d)).length > 0);
      assert.deepEqual(await migrate(d), [], 'migrations are idempotent');
      store = kyselyStore(d);
      const r = store.r;
      await r.users.insert(user('usr_a', 'ann', 1));
      await r.users.insert(user('usr_b', 'ben', 2));
      await r.orgs.insert({ id: 'org_1', name: 'one', displayName: 'One', createdAt: 1 });
      await r.orgs.insert({ id: 'org_2', name: 'two', displayName: 'Two', createdAt: 2 });
      await r.members.put('org_1', 'usr_a', 'owner', 1);
      await r.members.put('org_1', 'usr_b', 'member', 2);
      await r.members.put('org_2', 'usr_b', 'owner', 3);
    });
    after(async () => {
      await store.close();
      await db.drop();
    });

    test('users: unique usernames, paging, updates', async () => {
      await assert.rejects(store.r.users.insert(user('usr_c', 'ann', 3)));
      const p1 = await store.r.users.list({ limit: 1, cursor: null });
      assert.equal(p1.items[0]?.username, 'ann');
      const p2 = await store.r.users.list({ limit: 1, cursor: p1.nextCursor });
      assert.equal(p2.items[0]?.username, 'ben');
      assert.equal(p2.nextCursor, null);
      await store.r.users.update('usr_b', { disabled: true, displayName: 'Ben' });
      const b = await store.r.users.byId('usr_b');
      assert.deepEqual([b?.disabled, b?.displayName], [true, 'Ben']);
      await store.r.users.update('usr_b', { disabled: false });
      assert.equal(await store.r.users.count(), 2);
    });

    test("users: an org's service accounts, and deleting one keeps its row", async () => {
      await store.r.users.insert({ ...user('usr_s2', 'zz-bot', 4), serviceOrgId: 'org_2' });
      await store.r.users.insert({ ...user('usr_s1', 'aa-bot', 5), serviceOrgId: 'org_2' });
      assert.deepEqual((await store.r.users.serviceAccounts('org_2')).map((u) => u.username), ['aa-bot', 'zz-bot']);
      assert.deepEqual(await store.r.users.serviceAccounts('org_1'), []);
      await store.r.users.markServiceAccountDeleted('usr_s1', 9);
      await store.r.users.markServiceAccountDeleted('usr_a', 9); // a person: nothing happens
      assert.deepEqual((await store.r.users.serviceAccounts('org_2')).map((u) => u.username), ['zz-bot']);
      assert.equal((await store.r.users.byId('usr_s1'))?.disabled, true);
      assert.equal((await store.r.users.byId('usr_a'))?.disabled, false);
      assert.equal(await store.r.users.count(), 4);
    });

    test('members and roles', async () => {
      assert.deepEqual((await store.r.members.listForUser('usr_b')).map((m) => [m.orgName, m.role]), [['one', 'member'], ['two', 'owner']]);
      await store.r.members.put('org_1', 'usr_b', 'admin', 9);
      assert.equal((await store.r.members.get('org_1', 'usr_b'))?.role, 'admin');
      assert.equal(await store.r.members.countOwners('org_1'), 1);
      const page = await store.r.members.listForOrg('org_1', { limit: 10, cursor: null });
      assert.deepEqual(page.items.map((m) => m.username), ['ann', 'ben']);
    });

    test('policies default and round-trip', async () => {
      assert.equal((await store.r.policies.get('org_2')).allowGlobalTokens, true);
      await store.r.policies.put('org_2', { maxLifetimeDays: 30, allowGlobalTokens: false, allowFullAccess: true, ipAllowlist: ['10.0.0.0/8'], revokeUnusedDays: null, autoRevokeLeaked: true }, 5);
      const p = await store.r.policies.get('org_2');
      assert.deepEqual([p.maxLifetimeDays, p.allowGlobalTokens, p.ipAllowlist], [30, false, ['10.0.0.0/8']]);
    });

    test('tokens: digest look-up, status filters, org listing, edits, secrets replaced', async () => {
      const r = store.r;
      await r.tokens.insert(token('tok_1', 'usr_a', { orgIds: ['org_1'], createdAt: 1 }), 'd1');
      await r.tokens.insert(token('tok_2', 'usr_b', { createdAt: 2 }), 'd2');
      await r.tokens.insert(token('tok_3', 'usr_b', { createdAt: 3, expiresAt: 500 }), 'd3');
      await r.tokens.insert(token('tok_4', 'usr_b', { createdAt: 4, orgIds: ['org_2'] }), 'd4');
      await assert.rejects(r.tokens.insert(token('tok_5', 'usr_b'), 'd1'), 'digests are unique');
      assert.equal((await r.tokens.byDigest('d1'))?.id, 'tok_1');
      assert.deepEqual((await r.tokens.byDigest('d1'))?.orgIds, ['org_1']);
      assert.equal((await r.tokens.byDigest('d2'))?.orgIds, null);
      const f = (status: 'active' | 'expired' | 'revoked' | 'all') => ({ status, now: 1000 });
      assert.deepEqual((await r.tokens.listForUser('usr_b', f('active'), { limit: 10, cursor: null })).items.map((t) => t.id), ['tok_4', 'tok_2']);
      assert.deepEqual((await r.tokens.listForUser('usr_b', f('expired'), { limit: 10, cursor: null })).items.map((t) => t.id), ['tok_3']);
      // usable in org_1: tok_1 (limited to it) and ben's global tok_2; not tok_4 (org_2 only)
      assert.deepEqual((await r.tokens.listForOrg('org_1', f('active'), { limit: 10, cursor: null })).items.map((t) => t.id), ['tok_2', 'tok_1']);
      assert.deepEqual((await r.tokens.activeIdsForUserInOrg('usr_b', 'org_2', 1000)).sort(), ['tok_2', 'tok_4']);
      await r.tokens.update('tok_2', { orgIds: ['org_1', 'org_2'], name: 'renamed', revokedAt: 900, revokedBy: 'ann', revokedReason: 'test' });
      const t2 = await r.tokens.byId('tok_2');
      assert.deepEqual([t2?.orgIds, t2?.name, t2?.revokedAt, t2?.version], [['org_1', 'org_2'], 'renamed', 900, 2]);
      assert.deepEqual((await r.tokens.listForUser('usr_b', f('revoked'), { limit: 10, cursor: null })).items.map((t) => t.id), ['tok_2']);
      await r.tokens.replaceSecret('tok_1', 'd1b', 'patd_…new1', { digest: 'd1', validUntil: 2000 });
      assert.equal(await r.tokens.byDigest('d1'), null);
      assert.deepEqual(await r.tokens.oldDigest('d1'), { tokenId: 'tok_1', validUntil: 2000 });
      assert.equal((await r.tokens.byDigest('d1b'))?.hint, 'patd_…new1');
      await r.tokens.touch([{ id: 'tok_1', at: 1500, ip: '10.0.0.1' }]);
      await r.tokens.touch([{ id: 'tok_1', at: 1200, ip: '10.0.0.2' }]);
      assert.deepEqual([(await r.tokens.byId('tok_1'))?.lastUsedAt, (await r.tokens.byId('tok_1'))?.lastUsedIp], [1500, '10.0.0.1'], 'never moves back');
    });

    test('user identities: one link per (issuer, subject), found by both, listed per user, touched', async () => {
      const r = store.r.identities;
      await r.insert({ issuer: 'https://idp.test', subject: 's1', userId: 'usr_a', email: 'a@idp.test', createdAt: 10, lastSignInAt: 10 });
      await r.insert({ issuer: 'https://other.test', subject: 's1', userId: 'usr_b', email: null, createdAt: 11, lastSignInAt: 11 });
      await r.insert({ issuer: 'https://other.test', subject: 's2', userId: 'usr_a', email: null, createdAt: 12, lastSignInAt: 12 });
      await assert.rejects(r.insert({ issuer: 'https://idp.test', subject: 's1', userId: 'usr_b', email: null, createdAt: 13, lastSignInAt: 13 }), 'one identity, one user');
      await assert.rejects(r.insert({ issuer: 'https://idp.test', subject: 's9', userId: 'usr_nobody', email: null, createdAt: 13, lastSignInAt: 13 }), 'only existing users');
      assert.equal((await r.find('https://idp.test', 's1'))?.userId, 'usr_a');
      assert.equal((await r.find('https://other.test', 's1'))?.userId, 'usr_b');
      assert.equal(await r.find('https://idp.test', 's2'), null);
      assert.deepEqual((await r.listForUser('usr_a')).map((i) => [i.issuer, i.subject]), [['https://idp.test', 's1'], ['https://other.test', 's2']]);
      await r.touch('https://idp.test', 's1', 99, 'new@idp.test');
      const t = await r.find('https://idp.test', 's1');
      assert.deepEqual([t?.lastSignInAt, t?.email, t?.createdAt], [99, 'new@idp.test', 10]);
    });

    test('outbox: one message per dedupe key', async () => {
      const m = { id: 'msg_1', kind: 'mail', dedupeKey: 'k1', payload: { a: 1 }, createdAt: 1, availableAt: 1 };
      assert.equal(await store.r.outbox.enqueue(m), true);
      assert.equal(await store.r.outbox.enqueue({ ...m, id: 'msg_2' }), false);
    });

    test('a failed transaction leaves nothing behind', async () => {
      await assert.rejects(store.tx(async (r) => {
        await r.users.insert(user('usr_tx', 'txuser', 5));
        await r.audit.append({ id: 'evt_tx', at: 5, actor: { type: 'system', id: null, name: 'system' }, action: 'user.created', targetType: 'user', targetId: 'usr_tx', subjectUserId: 'usr_tx', orgIds: ['org_1'], ip: null, userAgent: null, details: {} });
        throw new Error('boom');
      }), /boom/);
      assert.equal(await store.r.users.byUsername('txuser'), null);
      await store.tx(async (r) => r.users.insert(user('usr_tx', 'txuser', 5)));
      assert.ok(await store.r.users.byUsername('txuser'));
    });
  });
}
