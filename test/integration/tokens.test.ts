import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { dialects } from '../helpers/db.js';
import { ADMIN_PASSWORD, type Auth, addUser, createToken, startTestPatd, T0, type TestPatd } from '../helpers/harness.js';

const DAY = 86_400_000;

for (const dialect of await dialects()) {
  describe(`token lifecycle (${dialect})`, () => {
    let p: TestPatd;
    let admin: Auth;
    let alice: { id: string; auth: Auth };
    let bob: { id: string; auth: Auth };
    before(async () => {
      p = await startTestPatd(dialect);
      admin = await p.signIn('admin', ADMIN_PASSWORD);
      alice = await addUser(p, admin, 'alice');
      bob = await addUser(p, admin, 'bob');
      assert.equal((await p.req('POST', '/api/v1/orgs', { auth: alice.auth, body: { name: 'acme' } })).statusCode, 201);
      assert.equal((await p.req('POST', '/api/v1/orgs', { auth: alice.auth, body: { name: 'beta' } })).statusCode, 201);
    });
    after(() => p.stop());

    test('create returns the secret once; get and list never show it', async () => {
      const res = await p.req('POST', '/api/v1/tokens', { auth: alice.auth, body: { name: ' nuget feed ', scopes: ['vso.packaging', 'code:read'], orgs: ['acme'], expiresInDays: 90 } });
      assert.equal(res.statusCode, 201);
      assert.equal(res.headers['cache-control'], 'no-store');
      const { token, secret } = res.json();
      assert.match(secret, /^patd_[0-9A-Za-z]{49}$/);
      assert.deepEqual({ name: token.name, scopes: token.scopes, orgs: token.orgs, status: token.status, createdVia: token.createdVia },
        { name: 'nuget feed', scopes: ['packaging:read', 'code:read'], orgs: ['acme'], status: 'active', createdVia: 'web' });
      assert.equal(token.expiresAt, new Date(T0 + 90 * DAY).toISOString());
      assert.equal(token.hint, `patd_…${secret.slice(-4)}`);
      const got = await p.req('GET', `/api/v1/tokens/${token.id}`, { auth: alice.auth });
      assert.equal(got.statusCode, 200);
      assert.ok(!got.body.includes(secret));
      assert.equal(got.json().id, token.id);
      const list = await p.req('GET', '/api/v1/tokens', { auth: alice.auth });
      assert.ok(!list.body.includes(secret));
      assert.ok(list.json().items.some((t: { id: string }) => t.id === token.id));
    });

    test('list filters by status and pages with a cursor', async () => {
      const u = await addUser(p, admin, 'pager');
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        p.clock.advance(1000);
        ids.push((await createToken(p, u.auth, { name: `t${i}`, scopes: ['code:read'], expiresInDays: i < 2 ? 7 : 30 })).id);
      }
      assert.equal((await p.req('DELETE', `/api/v1/tokens/${ids[4]}`, { auth: u.auth })).statusCode, 204);
      p.clock.advance(8 * DAY);
      const status = async (s: string) => (await p.req('GET', `/api/v1/tokens?status=${s}`, { auth: u.auth })).json().items.map((t: { id: string }) => t.id);
      assert.deepEqual(await status('active'), [ids[3], ids[2]]);
      assert.deepEqual(await status('expired'), [ids[1], ids[0]]);
      assert.deepEqual(await status('revoked'), [ids[4]]);
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const res = await p.req('GET', `/api/v1/tokens?status=all&limit=2${cursor ? `&cursor=${cursor}` : ''}`, { auth: u.auth });
        assert.equal(res.statusCode, 200);
        const page = res.json();
        assert.ok(page.items.length <= 2);
        seen.push(...page.items.map((t: { id: string }) => t.id));
        cursor = page.nextCursor;
      } while (cursor);
      assert.deepEqual(seen, [...ids].reverse());
      p.clock.set(T0);
    });

    test('edit renames, renews, rescopes and re-orgs; the token follows at once', async () => {
      const t = await createToken(p, alice.auth, { name: 'edit me', scopes: ['profile:read'], orgs: ['acme'], expiresInDays: 7 });
      const res = await p.req('PATCH', `/api/v1/tokens/${t.id}`, { auth: alice.auth, body: { name: 'edited', scopes: ['code:write'], orgs: ['beta'], expiresInDays: 60 } });
      assert.equal(res.statusCode, 200, res.body);
      const v = res.json();
      assert.deepEqual([v.name, v.scopes, v.orgs, v.expiresAt], ['edited', ['code:write'], ['beta'], new Date(T0 + 60 * DAY).toISOString()]);
      const me = await p.req('GET', '/api/v1/me', { auth: { basic: t.secret } });
      assert.equal(me.statusCode, 403, 'profile:read was taken away');
      assert.equal(me.json().code, 'insufficient_scope');
    });

    test('an expired token can be renewed; a revoked one cannot be edited', async () => {
      const t = await createToken(p, alice.auth, { name: 'renew', scopes: ['profile:read'], expiresInDays: 7 });
      p.clock.advance(8 * DAY);
      assert.equal((await p.req('GET', '/api/v1/me', { auth: { basic: t.secret } })).json().code, 'token_expired');
      const renewed = await p.req('PATCH', `/api/v1/tokens/${t.id}`, { auth: alice.auth, body: { expiresInDays: 30 } });
      assert.equal(renewed.statusCode, 200);
      assert.equal(renewed.json().status, 'active');
      assert.equal((await p.req('GET', '/api/v1/me', { auth: { basic: t.secret } })).statusCode, 200);
      assert.equal((await p.req('DELETE', `/api/v1/tokens/${t.id}`, { auth: alice.auth })).statusCode, 204);
      const edit = await p.req('PATCH', `/api/v1/tokens/${t.id}`, { auth: alice.auth, body: { name: 'x' } });
      assert.equal(edit.statusCode, 409);
      assert.equal(edit.json().code, 'token_not_editable');
      p.clock.set(T0);
    });

    test('regenerate keeps id and settings; the old secret dies at once, or after the grace period', async () => {
      const t = await createToken(p, alice.auth, { name: 'deploy', scopes: ['profile:read'] });
      const r1 = await p.req('POST', `/api/v1/tokens/${t.id}/regenerate`, { auth: alice.auth });
      assert.equal(r1.statusCode, 200, r1.body);
      const s1 = r1.json().secret as string;
      assert.equal(r1.json().token.id, t.id);
      assert.notEqual(s1, t.secret);
      const old = await p.req('GET', '/api/v1/me', { auth: { basic: t.secret } });
      assert.equal(old.statusCode, 401);
      assert.equal(old.json().code, 'token_rotated');
      assert.equal((await p.req('GET', '/api/v1/me', { auth: { basic: s1 } })).statusCode, 200);
      const r2 = await p.req('POST', `/api/v1/tokens/${t.id}/regenerate`, { auth: alice.auth, body: { graceSeconds: 3600 } });
      const s2 = r2.json().secret as string;
      assert.equal((await p.req('GET', '/api/v1/me', { auth: { basic: s1 } })).statusCode, 200, 'old secret works during the grace period');
      assert.equal((await p.req('GET', '/api/v1/me', { auth: { basic: s2 } })).statusCode, 200);
      p.clock.advance(3601_000);
      p.core.verifier.invalidateAll();
      assert.equal((await p.req('GET', '/api/v1/me', { auth: { basic: s1 } })).json().code, 'token_rotated');
      const bad = await p.req('POST', `/api/v1/tokens/${t.id}/regenerate`, { auth: alice.auth, body: { graceSeconds: 8 * 86400 } });
      assert.equal(bad.statusCode, 400);
      p.clock.set(T0);
    });

    test('revoke is idempotent and stops the token at once', async () => {
      const t = await createToken(p, alice.auth, { name: 'rev', scopes: ['profile:read'] });
      assert.equal((await p.req('GET', '/api/v1/me', { auth: { basic: t.secret } })).statusCode, 200);
      assert.equal((await p.req('DELETE', `/api/v1/tokens/${t.id}`, { auth: alice.auth })).statusCode, 204);
      assert.equal((await p.req('DELETE', `/api/v1/tokens/${t.id}`, { auth: alice.auth })).statusCode, 204);
      const res = await p.req('GET', '/api/v1/me', { auth: { basic: t.secret } });
      assert.equal(res.statusCode, 401);
      assert.equal(res.json().code, 'token_revoked');
      assert.match(String(res.headers['www-authenticate']), /error="invalid_token"/);
      assert.equal((await p.req('GET', `/api/v1/tokens/${t.id}`, { auth: alice.auth })).json().status, 'revoked');
    });

    test("another user's token is 404 for every operation", async () => {
      const t = await createToken(p, alice.auth, { name: 'mine', scopes: ['profile:read'] });
      for (const [m, url, body] of [['GET', `/api/v1/tokens/${t.id}`], ['PATCH', `/api/v1/tokens/${t.id}`, { name: 'x' }],
        ['POST', `/api/v1/tokens/${t.id}/regenerate`, {}], ['DELETE', `/api/v1/tokens/${t.id}`]] as const) {
        const res = await p.req(m, url, { auth: bob.auth, body });
        assert.equal(res.statusCode, 404, `${m} ${url}`);
        assert.equal(res.json().code, 'not_found');
      }
      assert.equal((await p.req('GET', '/api/v1/me', { auth: { basic: t.secret } })).statusCode, 200, 'still alive');
      assert.equal((await p.req('GET', '/api/v1/tokens/tok_doesnotexist', { auth: alice.auth })).statusCode, 404);
    });

    test('a PAT with tokens:manage drives the whole lifecycle; it cannot grant more than it has', async () => {
      const mgr = await createToken(p, alice.auth, { name: 'manager', scopes: ['tokens:manage', 'code:write'], orgs: ['acme'] });
      const a = { token: mgr.secret };
      const created = await p.req('POST', '/api/v1/tokens', { auth: a, body: { name: 'child', scopes: ['code:read'], orgs: ['acme'] } });
      assert.equal(created.statusCode, 201, created.body);
      assert.equal(created.json().token.createdVia, 'api');
      const id = created.json().token.id;
      assert.equal((await p.req('GET', '/api/v1/tokens', { auth: a })).statusCode, 200);
      assert.equal((await p.req('PATCH', `/api/v1/tokens/${id}`, { auth: a, body: { name: 'child2' } })).json().name, 'child2');
      assert.equal((await p.req('POST', `/api/v1/tokens/${id}/regenerate`, { auth: a })).statusCode, 200);
      assert.equal((await p.req('DELETE', `/api/v1/tokens/${id}`, { auth: a })).statusCode, 204);
      const wider = await p.req('POST', '/api/v1/tokens', { auth: a, body: { name: 'x', scopes: ['audit:read'], orgs: ['acme'] } });
      assert.equal(wider.statusCode, 403);
      assert.equal(wider.json().code, 'beyond_token');
      const global = await p.req('POST', '/api/v1/tokens', { auth: a, body: { name: 'x', scopes: ['code:read'], orgs: '*' } });
      assert.equal(global.statusCode, 403);
      const self = await p.req('GET', '/api/v1/tokens/self', { auth: a });
      assert.equal(self.statusCode, 200);
      assert.equal(self.json().id, mgr.id);
      const readOnly = await createToken(p, alice.auth, { name: 'ro', scopes: ['tokens:read'] });
      const denied = await p.req('POST', '/api/v1/tokens', { auth: { token: readOnly.secret }, body: { name: 'x', scopes: ['code:read'] } });
      assert.equal(denied.statusCode, 403);
      assert.match(String(denied.headers['www-authenticate']), /error="insufficient_scope", scope="tokens:manage"/);
      assert.equal((await p.req('GET', '/api/v1/tokens', { auth: { token: readOnly.secret } })).statusCode, 200);
    });

    test('GET /tokens/self needs a PAT, any scope', async () => {
      const t = await createToken(p, alice.auth, { name: 'any', scopes: ['work:read'] });
      const res = await p.req('GET', '/api/v1/tokens/self', { auth: { token: t.secret } });
      assert.equal(res.statusCode, 200);
      assert.deepEqual(res.json().scopes, ['work:read']);
      assert.equal((await p.req('GET', '/api/v1/tokens/self', { auth: alice.auth })).statusCode, 401);
    });

    test('DELETE /tokens/self lets any valid PAT revoke itself, and nothing else', async () => {
      const t = await createToken(p, alice.auth, { name: 'self-revoking', scopes: ['code:read'] });
      const other = await createToken(p, alice.auth, { name: 'bystander', scopes: ['profile:read'] });
      assert.equal((await p.req('DELETE', '/api/v1/tokens/self', { auth: alice.auth })).statusCode, 401, 'a session has no token to revoke');
      assert.equal((await p.req('DELETE', '/api/v1/tokens/self', { auth: { token: t.secret } })).statusCode, 204);
      const again = await p.req('DELETE', '/api/v1/tokens/self', { auth: { token: t.secret } });
      assert.equal(again.json().code, 'token_revoked');
      assert.equal((await p.req('GET', `/api/v1/tokens/${t.id}`, { auth: alice.auth })).json().status, 'revoked');
      assert.equal((await p.req('GET', '/api/v1/me', { auth: { token: other.secret } })).statusCode, 200);
    });

    test('last use is recorded in batches', async () => {
      const t = await createToken(p, alice.auth, { name: 'used', scopes: ['profile:read'] });
      p.clock.advance(5000);
      await p.req('GET', '/api/v1/me', { auth: { basic: t.secret } });
      await p.core.verifier.flushUsage();
      const v = (await p.req('GET', `/api/v1/tokens/${t.id}`, { auth: alice.auth })).json();
      assert.equal(v.lastUsedAt, new Date(T0 + 5000).toISOString());
      assert.equal(v.lastUsedIp, '127.0.0.1');
      p.clock.set(T0);
    });
  });
}
