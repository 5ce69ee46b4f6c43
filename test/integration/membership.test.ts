import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { dialects } from '../helpers/db.js';
import { ADMIN_PASSWORD, type Auth, addUser, createToken, startTestPatd, type TestPatd } from '../helpers/harness.js';

type U = { id: string; auth: Auth };

for (const dialect of await dialects()) {
  describe(`membership rules: leave, remove, last owner (${dialect})`, () => {
    let p: TestPatd;
    let admin: Auth;
    let olga: U;
    let adam: U;
    let mia: U;
    let nia: U;
    before(async () => {
      p = await startTestPatd(dialect);
      admin = await p.signIn('admin', ADMIN_PASSWORD);
      [olga, adam, mia, nia] = [await addUser(p, admin, 'olga'), await addUser(p, admin, 'adam'), await addUser(p, admin, 'mia'), await addUser(p, admin, 'nia')];
      await p.req('POST', '/api/v1/orgs', { auth: olga.auth, body: { name: 'acme' } });
      for (const [u, role] of [['adam', 'admin'], ['mia', 'member'], ['nia', 'member']]) {
        assert.equal((await p.req('PUT', `/api/v1/orgs/acme/members/${u}`, { auth: admin, body: { role } })).statusCode, 200);
      }
    });
    after(() => p.stop());
    const del = (auth: Auth, username: string) => p.req('DELETE', `/api/v1/orgs/acme/members/${username}`, { auth });

    test('a member leaves: their tokens stop in the org at once; a member cannot remove others', async () => {
      const t = await createToken(p, nia.auth, { name: 'nia global', scopes: ['orgs:read'], orgs: '*' });
      assert.equal((await p.req('GET', '/api/v1/orgs/acme', { auth: { token: t.secret } })).statusCode, 200);
      const other = await del(mia.auth, 'nia');
      assert.deepEqual([other.statusCode, other.json().code], [403, 'forbidden']);
      assert.equal((await del(nia.auth, 'nia')).statusCode, 204, 'leave');
      assert.equal((await p.req('GET', '/api/v1/orgs/acme', { auth: { token: t.secret } })).statusCode, 404);
      assert.equal((await p.req('GET', '/api/v1/orgs/acme', { auth: nia.auth })).statusCode, 404);
      const ev = (await p.req('GET', '/api/v1/me/audit?action=org.member_removed', { auth: nia.auth })).json().items;
      assert.equal(ev[0]?.details.self, true);
    });

    test('the last owner cannot leave, be removed or be demoted: 409 last_owner; with a second owner they can', async () => {
      for (const [auth, label] of [[olga.auth, 'leave'], [admin, 'removed by an instance admin']] as const) {
        const res = await del(auth, 'olga');
        assert.deepEqual([res.statusCode, res.json().code], [409, 'last_owner'], label);
      }
      const demote = await p.req('PUT', '/api/v1/orgs/acme/members/olga', { auth: olga.auth, body: { role: 'admin' } });
      assert.deepEqual([demote.statusCode, demote.json().code], [409, 'last_owner']);
      assert.equal((await del(adam.auth, 'olga')).statusCode, 403, 'an admin does not remove an owner');
      assert.equal((await p.req('PUT', '/api/v1/orgs/acme/members/mia', { auth: adam.auth, body: { role: 'owner' } })).statusCode, 403, 'an admin does not grant owner');
      assert.equal((await p.req('PUT', '/api/v1/orgs/acme/members/mia', { auth: olga.auth, body: { role: 'owner' } })).json().role, 'owner');
      assert.equal((await del(olga.auth, 'olga')).statusCode, 204, 'no longer the last owner');
      const last = await del(mia.auth, 'mia');
      assert.deepEqual([last.statusCode, last.json().code], [409, 'last_owner']);
    });

    test('an org admin removes a member; an instance admin adds one directly (org.member_added)', async () => {
      assert.equal((await del(adam.auth, 'nia')).statusCode, 404, 'not a member any more');
      assert.equal((await p.req('PUT', '/api/v1/orgs/acme/members/nia', { auth: admin, body: { role: 'member' } })).statusCode, 200);
      const added = (await p.req('GET', '/api/v1/me/audit?action=org.member_added', { auth: nia.auth })).json().items;
      assert.equal(added[0]?.details.direct, true);
      assert.equal((await del(adam.auth, 'nia')).statusCode, 204);
    });

    test('an instance admin\'s narrower PAT has no instance-admin powers over membership', async () => {
      const t = await createToken(p, admin, { name: 'admin orgs', scopes: ['orgs:manage'], orgs: '*' });
      const res = await p.req('PUT', '/api/v1/orgs/acme/members/nia', { auth: { token: t.secret }, body: { role: 'member' } });
      assert.equal(res.statusCode, 403);
      const full = await createToken(p, admin, { name: 'admin full', scopes: ['*'], orgs: '*' });
      assert.equal((await p.req('PUT', '/api/v1/orgs/acme/members/nia', { auth: { token: full.secret }, body: { role: 'member' } })).statusCode, 200);
    });
  });

  describe(`PATD_ORG_CREATION (${dialect})`, () => {
    test('admins: only instance admins create orgs through the API', async () => {
      const p = await startTestPatd(dialect, { env: { PATD_ORG_CREATION: 'admins' } });
      try {
        const admin = await p.signIn('admin', ADMIN_PASSWORD);
        const u = await addUser(p, admin, 'ulla');
        const res = await p.req('POST', '/api/v1/orgs', { auth: u.auth, body: { name: 'ullas' } });
        assert.deepEqual([res.statusCode, res.json().code], [403, 'forbidden']);
        assert.equal((await p.req('POST', '/api/v1/orgs', { auth: admin, body: { name: 'admins-org' } })).statusCode, 201);
      } finally {
        await p.stop();
      }
    });

    test('everyone (the default): any signed-in user creates an org', async () => {
      const p = await startTestPatd(dialect);
      try {
        const u = await addUser(p, await p.signIn('admin', ADMIN_PASSWORD), 'ulla');
        assert.equal((await p.req('POST', '/api/v1/orgs', { auth: u.auth, body: { name: 'ullas' } })).statusCode, 201);
      } finally {
        await p.stop();
      }
    });
  });
}
