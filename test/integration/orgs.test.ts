import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { dialects } from '../helpers/db.js';
import { ADMIN_PASSWORD, type Auth, addUser, createToken, startTestPatd, type TestPatd } from '../helpers/harness.js';

for (const dialect of await dialects()) {
  describe(`organizations (${dialect})`, () => {
    let p: TestPatd;
    let admin: Auth;
    let owner: { id: string; auth: Auth };
    let erin: { id: string; auth: Auth };
    let frank: { id: string; auth: Auth };
    before(async () => {
      p = await startTestPatd(dialect);
      admin = await p.signIn('admin', ADMIN_PASSWORD);
      owner = await addUser(p, admin, 'olga');
      erin = await addUser(p, admin, 'erin');
      frank = await addUser(p, admin, 'frank');
      assert.equal((await p.req('POST', '/api/v1/orgs', { auth: owner.auth, body: { name: 'fabrikam', displayName: 'Fabrikam' } })).statusCode, 201);
    });
    after(() => p.stop());

    test('the creator is owner; names are checked and reserved names refused', async () => {
      const orgs = (await p.req('GET', '/api/v1/orgs', { auth: owner.auth })).json().items;
      assert.deepEqual(orgs.map((o: { name: string; role: string }) => [o.name, o.role]), [['fabrikam', 'owner']]);
      for (const name of ['api', 'oauth', 'device', 'healthz']) {
        const res = await p.req('POST', '/api/v1/orgs', { auth: owner.auth, body: { name } });
        assert.equal(res.statusCode, 400, name);
        assert.equal(res.json().code, 'reserved_name');
      }
      assert.equal((await p.req('POST', '/api/v1/orgs', { auth: owner.auth, body: { name: 'Bad Name' } })).json().field, 'name');
      assert.equal((await p.req('POST', '/api/v1/orgs', { auth: erin.auth, body: { name: 'fabrikam' } })).statusCode, 409);
    });

    test('members: an instance admin adds directly, org owners change roles, members list; non-members get 404', async () => {
      const pull = await p.req('PUT', '/api/v1/orgs/fabrikam/members/erin', { auth: owner.auth, body: { role: 'member' } });
      assert.deepEqual([pull.statusCode, pull.json().code], [403, 'invitation_required'], 'an org owner cannot pull someone in');
      const add = await p.req('PUT', '/api/v1/orgs/fabrikam/members/erin', { auth: admin, body: { role: 'member' } });
      assert.equal(add.statusCode, 200, add.body);
      assert.equal(add.json().role, 'member');
      assert.equal((await p.req('GET', '/api/v1/orgs/fabrikam', { auth: erin.auth })).json().role, 'member');
      assert.equal((await p.req('GET', '/api/v1/orgs/fabrikam/members', { auth: erin.auth })).statusCode, 200, 'members see who else is in');
      assert.equal((await p.req('GET', '/api/v1/orgs/fabrikam', { auth: frank.auth })).statusCode, 404);
      assert.equal((await p.req('GET', '/api/v1/orgs/fabrikam/members', { auth: frank.auth })).statusCode, 404);
      assert.equal((await p.req('GET', '/api/v1/orgs/nope', { auth: frank.auth })).statusCode, 404);
      assert.equal((await p.req('PUT', '/api/v1/orgs/fabrikam/members/olga', { auth: erin.auth, body: { role: 'member' } })).statusCode, 403, 'a member changes no roles');
      assert.equal((await p.req('PUT', '/api/v1/orgs/fabrikam/members/erin', { auth: owner.auth, body: { role: 'admin' } })).json().role, 'admin');
      const members = (await p.req('GET', '/api/v1/orgs/fabrikam/members', { auth: erin.auth })).json().items;
      assert.deepEqual(members.map((m: { username: string }) => m.username).sort(), ['erin', 'olga']);
      const promote = await p.req('PUT', '/api/v1/orgs/fabrikam/members/erin', { auth: erin.auth, body: { role: 'owner' } });
      assert.equal(promote.statusCode, 403, 'only owners grant owner');
      const last = await p.req('PUT', '/api/v1/orgs/fabrikam/members/olga', { auth: owner.auth, body: { role: 'member' } });
      assert.deepEqual([last.statusCode, last.json().code], [409, 'last_owner'], 'the last owner stays');
      assert.equal((await p.req('PUT', '/api/v1/orgs/fabrikam/members/ghost', { auth: owner.auth, body: { role: 'member' } })).statusCode, 404);
      assert.equal((await p.req('PUT', '/api/v1/orgs/fabrikam/members/frank', { auth: owner.auth, body: { role: 'king' } })).statusCode, 400);
    });

    test("removing a member stops that member's tokens in the org at once, global tokens included", async () => {
      await p.req('PUT', '/api/v1/orgs/fabrikam/members/frank', { auth: admin, body: { role: 'member' } });
      const scoped = await createToken(p, frank.auth, { name: 'scoped', scopes: ['orgs:read'], orgs: ['fabrikam'] });
      const global = await createToken(p, frank.auth, { name: 'global', scopes: ['orgs:read'], orgs: '*' });
      for (const t of [scoped, global]) assert.equal((await p.req('GET', '/api/v1/orgs/fabrikam', { auth: { token: t.secret } })).statusCode, 200);
      assert.equal((await p.req('DELETE', '/api/v1/orgs/fabrikam/members/frank', { auth: owner.auth })).statusCode, 204);
      for (const t of [scoped, global]) assert.equal((await p.req('GET', '/api/v1/orgs/fabrikam', { auth: { token: t.secret } })).statusCode, 404);
      assert.equal((await p.req('DELETE', '/api/v1/orgs/fabrikam/members/frank', { auth: owner.auth })).statusCode, 404);
    });

    test('a token limited to other orgs is refused in this one', async () => {
      await p.req('POST', '/api/v1/orgs', { auth: erin.auth, body: { name: 'erins' } });
      const t = await createToken(p, erin.auth, { name: 'erins only', scopes: ['orgs:read'], orgs: ['erins'] });
      const res = await p.req('GET', '/api/v1/orgs/fabrikam', { auth: { token: t.secret } });
      assert.equal(res.statusCode, 403);
      assert.equal(res.json().code, 'org_forbidden');
      const create = await p.req('POST', '/api/v1/tokens', { auth: erin.auth, body: { name: 'x', scopes: ['code:read'], orgs: ['not-mine'] } });
      assert.equal(create.statusCode, 400);
      assert.equal(create.json().field, 'orgs');
    });

    test('policies: max lifetime, no global tokens, no full access are refused naming the policy', async () => {
      const put = await p.req('PUT', '/api/v1/orgs/fabrikam/policy', { auth: owner.auth, body: { maxLifetimeDays: 30, allowGlobalTokens: false, allowFullAccess: false } });
      assert.equal(put.statusCode, 200, put.body);
      assert.equal((await p.req('GET', '/api/v1/orgs/fabrikam/policy', { auth: erin.auth })).json().maxLifetimeDays, 30);
      const cases: [Record<string, unknown>, string][] = [
        [{ orgs: ['fabrikam'], expiresInDays: 60, scopes: ['code:read'] }, 'maxLifetimeDays'],
        [{ orgs: '*', scopes: ['code:read'] }, 'allowGlobalTokens'],
        [{ orgs: ['fabrikam'], scopes: ['*'] }, 'allowFullAccess'],
      ];
      for (const [body, policy] of cases) {
        const res = await p.req('POST', '/api/v1/tokens', { auth: erin.auth, body: { name: 'p', ...body } });
        assert.equal(res.statusCode, 403, policy);
        assert.equal(res.json().code, 'policy_violation');
        assert.equal(res.json().policy, policy);
      }
      const ok = await createToken(p, erin.auth, { name: 'ok', scopes: ['code:read'], orgs: ['fabrikam'], expiresInDays: 30 });
      const edit = await p.req('PATCH', `/api/v1/tokens/${ok.id}`, { auth: erin.auth, body: { expiresInDays: 90 } });
      assert.equal(edit.json().policy, 'maxLifetimeDays', 'edits are re-checked');
      await p.req('PUT', '/api/v1/orgs/fabrikam/policy', { auth: owner.auth, body: { maxLifetimeDays: null, allowGlobalTokens: true, allowFullAccess: true } });
    });

    test('IP allow-list: a token used from outside is refused with ip_forbidden', async () => {
      const t = await createToken(p, erin.auth, { name: 'ip', scopes: ['orgs:read'], orgs: ['fabrikam'] });
      assert.equal((await p.req('PUT', '/api/v1/orgs/fabrikam/policy', { auth: owner.auth, body: { ipAllowlist: ['10.0.0.0/8'] } })).statusCode, 200);
      const res = await p.core.verifier.verify(t.secret, { org: 'fabrikam', ip: '127.0.0.1' }).catch((e) => e);
      assert.equal(res.code, 'ip_forbidden');
      const ok = await p.core.verifier.verify(t.secret, { org: 'fabrikam', ip: '10.1.2.3' });
      assert.equal(ok.user.username, 'erin');
      const api = await p.req('GET', '/api/v1/orgs/fabrikam', { auth: { token: t.secret } });
      assert.equal(api.statusCode, 403, 'the org API obeys the allow-list too');
      assert.equal(api.json().code, 'ip_forbidden');
      const bad = await p.req('PUT', '/api/v1/orgs/fabrikam/policy', { auth: owner.auth, body: { ipAllowlist: ['not-an-ip'] } });
      assert.equal(bad.statusCode, 400);
      await p.req('PUT', '/api/v1/orgs/fabrikam/policy', { auth: owner.auth, body: { ipAllowlist: [] } });
    });

    test('org admins list every token usable in the org and revoke members\' tokens', async () => {
      await p.req('PUT', '/api/v1/orgs/fabrikam/members/frank', { auth: admin, body: { role: 'member' } });
      const t = await createToken(p, frank.auth, { name: 'frank in fabrikam', scopes: ['code:read'], orgs: ['fabrikam'] });
      const g = await createToken(p, frank.auth, { name: 'frank global', scopes: ['code:read'] });
      const list = await p.req('GET', '/api/v1/orgs/fabrikam/tokens?user=frank', { auth: erin.auth });
      assert.equal(list.statusCode, 200, list.body);
      const ids = list.json().items.map((x: { id: string }) => x.id);
      assert.ok(ids.includes(t.id) && ids.includes(g.id));
      assert.ok(!list.body.includes(t.secret));
      assert.equal((await p.req('GET', '/api/v1/orgs/fabrikam/tokens', { auth: frank.auth })).statusCode, 403);
      assert.equal((await p.req('DELETE', `/api/v1/orgs/fabrikam/tokens/${t.id}`, { auth: erin.auth })).statusCode, 204);
      assert.equal((await p.req('GET', `/api/v1/tokens/${t.id}`, { auth: frank.auth })).json().status, 'revoked');
      const other = await createToken(p, erin.auth, { name: 'erins', scopes: ['code:read'], orgs: ['erins'] });
      assert.equal((await p.req('DELETE', `/api/v1/orgs/fabrikam/tokens/${other.id}`, { auth: erin.auth })).statusCode, 404);
    });
  });
}
