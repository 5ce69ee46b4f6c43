import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Migrator } from 'kysely';
import { migrate, openDb } from '../../src/adapters/storage/db.js';
import { migrationProvider } from '../../src/adapters/storage/migrations/index.js';
import { kyselyStore } from '../../src/adapters/storage/store.js';
import type { Session, User } from '../../src/core/model.js';
import type { Invitation } from '../../src/core/orgs/invitation-model.js';
import type { Store } from '../../src/core/ports.js';
import { createTestDb, dialects, type TestDb } from '../helpers/db.js';

const user = (id: string, username: string): User => ({
  id, username, email: `${username}@x.test`, displayName: username, disabled: false, isAdmin: false, serviceOrgId: null, passwordHash: null, createdAt: 1,
});
const inv = (id: string, userId: string, o: Partial<Invitation> = {}): Invitation => ({
  id, orgId: 'org_1', userId, role: 'member', invitedById: 'usr_a', invitedByName: 'ann', createdAt: 100, expiresAt: 1_000, status: 'pending', respondedAt: null, ...o,
});
const session = (id: string, userId: string, o: Partial<Session> = {}): Session => ({
  id, publicId: `ses_${id}`, userId, csrfToken: `csrf-${id}`, createdAt: 10, expiresAt: 10_000, ip: '10.0.0.1', userAgent: 'ua', lastSeenAt: 10, lastSeenIp: '10.0.0.1', ...o,
});

/** The invitation and session repositories: the same cases on SQLite and PostgreSQL. */
for (const dialect of await dialects()) {
  describe(`storage contract: invitations and sessions (${dialect})`, () => {
    let db: TestDb;
    let store: Store;
    before(async () => {
      db = await createTestDb(dialect);
      const d = openDb(db.url);
      await migrate(d);
      store = kyselyStore(d);
      for (const [id, name] of [['usr_a', 'ann'], ['usr_b', 'ben'], ['usr_c', 'cid']]) await store.r.users.insert(user(id as string, name as string));
      await store.r.orgs.insert({ id: 'org_1', name: 'one', displayName: 'One Inc', createdAt: 1 });
      await store.r.orgs.insert({ id: 'org_2', name: 'two', displayName: 'Two', createdAt: 1 });
    });
    after(async () => {
      await store.close();
      await db.drop();
    });

    test('invitations: insert, byId with names, one pending per (org, user), conditional close', async () => {
      const r = store.r.invitations;
      await r.insert(inv('inv_1', 'usr_b', { role: 'admin' }));
      const got = await r.byId('inv_1');
      assert.deepEqual([got?.orgName, got?.orgDisplayName, got?.username, got?.role, got?.invitedByName, got?.status], ['one', 'One Inc', 'ben', 'admin', 'ann', 'pending']);
      assert.equal(await r.byId('inv_nope'), null);
      await assert.rejects(r.insert(inv('inv_2', 'usr_b')), 'a second pending invitation of the same person to the same org');
      assert.equal((await r.pendingFor('org_1', 'usr_b'))?.id, 'inv_1');
      assert.equal(await r.pendingFor('org_2', 'usr_b'), null);
      assert.equal(await r.close('inv_1', 'declined', 500), true);
      assert.equal(await r.close('inv_1', 'accepted', 600), false, 'only a pending one closes');
      const closed = await r.byId('inv_1');
      assert.deepEqual([closed?.status, closed?.respondedAt], ['declined', 500]);
      assert.equal(await r.pendingFor('org_1', 'usr_b'), null);
      await r.insert(inv('inv_3', 'usr_b', { createdAt: 200 }));
    });

    test('invitations: pending lists leave out expired and answered ones, page oldest first', async () => {
      const r = store.r.invitations;
      await r.insert(inv('inv_4', 'usr_c', { createdAt: 150 }));
      await r.insert(inv('inv_5', 'usr_c', { orgId: 'org_2', createdAt: 160, expiresAt: 5_000 }));
      const p1 = await r.listPendingForOrg('org_1', 900, { limit: 1, cursor: null });
      assert.deepEqual(p1.items.map((i) => i.id), ['inv_4']);
      const p2 = await r.listPendingForOrg('org_1', 900, { limit: 1, cursor: p1.nextCursor });
      assert.deepEqual(p2.items.map((i) => i.id), ['inv_3']);
      assert.equal(p2.nextCursor, null);
      assert.deepEqual((await r.listPendingForOrg('org_1', 1_000, { limit: 10, cursor: null })).items, [], 'expired at expiresAt');
      assert.deepEqual((await r.listPendingForUser('usr_c', 2_000, { limit: 10, cursor: null })).items.map((i) => [i.id, i.orgName]), [['inv_5', 'two']]);
      assert.deepEqual((await r.listPendingForUser('usr_c', 900, { limit: 10, cursor: null })).items.map((i) => i.id), ['inv_4', 'inv_5']);
      assert.deepEqual((await r.listPendingForUser('usr_a', 900, { limit: 10, cursor: null })).items, []);
      assert.equal((await r.pendingFor('org_1', 'usr_c'))?.id, 'inv_4', 'pendingFor finds an expired pending row too');
    });

    test('sessions: public id, list active by last seen, end all but one, touch only when stale', async () => {
      const r = store.r.sessions;
      await r.insert(session('s1', 'usr_a', { lastSeenAt: 10 }));
      await r.insert(session('s2', 'usr_a', { lastSeenAt: 30 }));
      await r.insert(session('s3', 'usr_a', { expiresAt: 50 }));
      await r.insert(session('s4', 'usr_b'));
      assert.deepEqual({ ...(await r.byPublicId('ses_s2')) }, session('s2', 'usr_a', { lastSeenAt: 30 }));
      assert.equal(await r.byPublicId('ses_none'), null);
      assert.deepEqual((await r.listForUser('usr_a', 100)).map((s) => s.id), ['s2', 's1'], 'unexpired, most recently seen first');
      await r.touch('s1', 200, '10.9.9.9', 150);
      assert.deepEqual([(await r.byId('s1'))?.lastSeenAt, (await r.byId('s1'))?.lastSeenIp], [200, '10.9.9.9']);
      await r.touch('s1', 230, '10.1.1.1', 180);
      assert.equal((await r.byId('s1'))?.lastSeenAt, 200, 'not stale: no write');
      assert.equal(await r.deleteForUserExcept('usr_a', 's1'), 2);
      assert.deepEqual([!!(await r.byId('s1')), !!(await r.byId('s2')), !!(await r.byId('s4'))], [true, false, true]);
      assert.equal(await r.deleteForUserExcept('usr_a', ''), 1);
    });

    test('the migration gives sessions that existed before it a public id and a last-seen time', async () => {
      const old = await createTestDb(dialect);
      const d = openDb(old.url);
      try {
        const m = new Migrator({ db: d.kysely, provider: migrationProvider });
        assert.equal((await m.migrateTo('20261126_0006_user_identities')).error, undefined);
        await d.kysely.insertInto('users').values({ id: 'usr_o', username: 'old', email: 'o@x.test', display_name: 'o', password_hash: null, disabled: 0, is_admin: 0, service_org_id: null, created_at: 1, updated_at: 1 }).execute();
        for (const id of ['o1', 'o2']) {
          await (d.kysely as unknown as import('kysely').Kysely<Record<string, Record<string, unknown>>>).insertInto('sessions')
            .values({ id, user_id: 'usr_o', csrf_token: 'c', created_at: 77, expires_at: 10_000, ip: '10.0.0.7', user_agent: null }).execute();
        }
        assert.ok((await migrate(d)).includes('20261201_0008_invitations_sessions'));
        const s = kyselyStore(d);
        const list = await s.r.sessions.listForUser('usr_o', 100);
        assert.equal(list.length, 2);
        assert.ok(list.every((x) => /^ses_[0-9A-Za-z]+$/.test(x.publicId) && x.lastSeenAt === 77 && x.lastSeenIp === '10.0.0.7'));
        assert.notEqual(list[0]?.publicId, list[1]?.publicId);
      } finally {
        await d.kysely.destroy();
        await old.drop();
      }
    });
  });
}
