import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { dialects } from '../helpers/db.js';
import { ADMIN_PASSWORD, type Auth, addUser, createToken, startTestPatd, type TestPatd } from '../helpers/harness.js';

/** A change made with a PAT never reaches past that PAT (spec: "Rules every /api/v1 route keeps"). */
for (const dialect of await dialects()) {
  describe(`a PAT never reaches past itself (${dialect})`, () => {
    let p: TestPatd;
    let admin: Auth;
    let alice: { id: string; auth: Auth };
    let full: { id: string; secret: string };
    let mgr: { id: string; secret: string };
    const m = () => ({ token: mgr.secret });
    before(async () => {
      p = await startTestPatd(dialect);
      admin = await p.signIn('admin', ADMIN_PASSWORD);
      alice = await addUser(p, admin, 'alice');
      for (const org of ['acme', 'beta']) {
        assert.equal((await p.req('POST', '/api/v1/orgs', { auth: alice.auth, body: { name: org } })).statusCode, 201);
      }
      full = await createToken(p, alice.auth, { name: 'everything', scopes: ['*'], orgs: '*', expiresInDays: 365 });
      mgr = await createToken(p, alice.auth, { name: 'ci manager', scopes: ['tokens:manage', 'code:write'], orgs: ['acme'], expiresInDays: 30 });
    });
    after(() => p.stop());

    test("a tokens:manage PAT limited to one org cannot regenerate its owner's full-access global token", async () => {
      const res = await p.req('POST', `/api/v1/tokens/${full.id}/regenerate`, { auth: m() });
      assert.equal(res.statusCode, 403, res.body);
      assert.equal(res.json().code, 'beyond_token');
      assert.doesNotMatch(res.body, /patd_[0-9A-Za-z]{40}/, 'no new secret');
      assert.equal((await p.req('GET', '/api/v1/me', { auth: { token: full.secret } })).statusCode, 200, 'the old secret still works');
    });

    test('it cannot create tokens for another org, for all orgs, with more scopes, or that outlive it', async () => {
      const cases: [Record<string, unknown>, string][] = [
        [{ name: 'b', scopes: ['code:read'], orgs: ['beta'] }, 'orgs'],
        [{ name: 'g', scopes: ['code:read'], orgs: '*' }, 'orgs'],
        [{ name: 's', scopes: ['code:manage'], orgs: ['acme'] }, 'scopes'],
        [{ name: 'f', scopes: ['*'], orgs: ['acme'] }, 'scopes'],
        [{ name: 'l', scopes: ['code:read'], orgs: ['acme'], expiresInDays: 31 }, 'expiresAt'],
      ];
      for (const [body, field] of cases) {
        const res = await p.req('POST', '/api/v1/tokens', { auth: m(), body });
        assert.equal(res.statusCode, 403, `${JSON.stringify(body)}: ${res.body}`);
        assert.equal(res.json().code, 'beyond_token');
        assert.equal(res.json().field, field);
      }
      const ok = await p.req('POST', '/api/v1/tokens', { auth: m(), body: { name: 'child', scopes: ['code:read'], orgs: ['acme'], expiresInDays: 30 } });
      assert.equal(ok.statusCode, 201, ok.body);
    });

    test('it cannot widen itself: orgs, scopes or expiry', async () => {
      for (const [body, field] of [[{ orgs: ['acme', 'beta'] }, 'orgs'], [{ orgs: '*' }, 'orgs'], [{ scopes: ['tokens:manage', 'code:manage'] }, 'scopes'], [{ expiresInDays: 60 }, 'expiresAt']] as const) {
        const res = await p.req('PATCH', `/api/v1/tokens/${mgr.id}`, { auth: m(), body });
        assert.equal(res.statusCode, 403, `${JSON.stringify(body)}: ${res.body}`);
        assert.equal(res.json().field, field);
      }
      const self = (await p.req('GET', '/api/v1/tokens/self', { auth: m() })).json();
      assert.deepEqual([self.orgs, self.scopes], [['acme'], ['tokens:manage', 'code:write']]);
      assert.equal((await p.req('PATCH', `/api/v1/tokens/${mgr.id}`, { auth: m(), body: { name: 'renamed' } })).statusCode, 200, 'a rename is fine');
    });

    test('it cannot edit or revoke a wider token, but may revoke one within its reach', async () => {
      const edit = await p.req('PATCH', `/api/v1/tokens/${full.id}`, { auth: m(), body: { expiresInDays: 10 } });
      assert.equal(edit.statusCode, 403);
      assert.equal(edit.json().code, 'beyond_token');
      const del = await p.req('DELETE', `/api/v1/tokens/${full.id}`, { auth: m() });
      assert.equal(del.statusCode, 403);
      assert.equal((await p.req('GET', '/api/v1/me', { auth: { token: full.secret } })).statusCode, 200);
      const child = await p.req('POST', '/api/v1/tokens', { auth: m(), body: { name: 'child2', scopes: ['code:read'], orgs: ['acme'], expiresInDays: 7 } });
      assert.equal((await p.req('DELETE', `/api/v1/tokens/${child.json().token.id}`, { auth: m() })).statusCode, 204);
    });

    test('a secret a regenerate replaced still works for its grace period, but cannot create, change or regenerate tokens', async () => {
      const t = await createToken(p, alice.auth, { name: 'rolling', scopes: ['tokens:manage', 'profile:read'], orgs: ['acme'], expiresInDays: 30 });
      const regen = await p.req('POST', `/api/v1/tokens/${t.id}/regenerate`, { auth: alice.auth, body: { graceSeconds: 3600 } });
      assert.equal(regen.statusCode, 200);
      const old = { token: t.secret };
      assert.equal((await p.req('GET', '/api/v1/me', { auth: old })).statusCode, 200, 'the old secret works during the grace period');
      for (const [method, url, body] of [
        ['POST', `/api/v1/tokens/${t.id}/regenerate`, undefined],
        ['POST', '/api/v1/tokens', { name: 'minted', scopes: ['profile:read'], orgs: ['acme'], expiresInDays: 1 }],
        ['PATCH', `/api/v1/tokens/${t.id}`, { name: 'renamed' }],
      ] as const) {
        const res = await p.req(method, url, { auth: old, body });
        assert.equal(res.statusCode, 403, `${method} ${url}: ${res.body}`);
        assert.equal(res.json().code, 'beyond_token');
        assert.doesNotMatch(res.body, /"secret"/);
      }
      assert.equal((await p.req('GET', '/api/v1/me', { auth: { token: regen.json().secret } })).statusCode, 200, 'the new secret is untouched');
      assert.equal((await p.req('DELETE', '/api/v1/tokens/self', { auth: old })).statusCode, 204, 'whoever holds it may still kill the token');
    });

    test("a session is not bounded by any token; another user's token is not found", async () => {
      const bob = await addUser(p, admin, 'bob');
      assert.equal((await p.req('POST', `/api/v1/tokens/${full.id}/regenerate`, { auth: bob.auth })).statusCode, 404);
      const res = await p.req('POST', `/api/v1/tokens/${full.id}/regenerate`, { auth: alice.auth });
      assert.equal(res.statusCode, 200);
      full = { id: full.id, secret: res.json().secret };
    });

    test("an instance admin's PAT obeys its own org list", async () => {
      const limited = await createToken(p, admin, { name: 'admin acme', scopes: ['*'], orgs: [], expiresInDays: 7 }).catch(() => null);
      assert.equal(limited, null, 'an empty org list is refused');
      // The admin joins acme (instance admins add directly), then limits a PAT to it.
      assert.equal((await p.req('PUT', '/api/v1/orgs/acme/members/admin', { auth: admin, body: { role: 'member' } })).statusCode, 200);
      const a = await createToken(p, admin, { name: 'admin acme', scopes: ['*'], orgs: ['acme'] });
      assert.equal((await p.req('GET', '/api/v1/orgs/acme', { auth: { token: a.secret } })).statusCode, 200);
      for (const [method, url, body] of [
        ['GET', '/api/v1/orgs/beta', undefined], ['GET', '/api/v1/orgs/beta/policy', undefined],
        ['PUT', '/api/v1/orgs/beta/policy', { allowFullAccess: false }], ['GET', '/api/v1/orgs/beta/tokens', undefined],
      ] as const) {
        const res = await p.req(method, url, { auth: { token: a.secret }, body });
        assert.equal(res.statusCode, 403, `${method} ${url}: ${res.body}`);
        assert.equal(res.json().code, 'org_forbidden');
      }
      // A global admin PAT reaches orgs the admin is not a member of, within their policies.
      const g = await createToken(p, admin, { name: 'admin global', scopes: ['*'], orgs: '*' });
      assert.equal((await p.req('GET', '/api/v1/orgs/beta', { auth: { token: g.secret } })).statusCode, 200);
      assert.equal((await p.req('PUT', '/api/v1/orgs/beta/policy', { auth: alice.auth, body: { allowGlobalTokens: false } })).statusCode, 200);
      const refused = await p.req('GET', '/api/v1/orgs/beta', { auth: { token: g.secret } });
      assert.equal(refused.json().code, 'org_forbidden');
      assert.equal(refused.json().policy, 'allowGlobalTokens');
      assert.equal((await p.req('PUT', '/api/v1/orgs/beta/policy', { auth: alice.auth, body: { allowGlobalTokens: true } })).statusCode, 200);
    });
  });

  describe(`policies hold at use (${dialect})`, () => {
    let p: TestPatd;
    let alice: { id: string; auth: Auth };
    before(async () => {
      p = await startTestPatd(dialect);
      const admin = await p.signIn('admin', ADMIN_PASSWORD);
      alice = await addUser(p, admin, 'alice');
      assert.equal((await p.req('POST', '/api/v1/orgs', { auth: alice.auth, body: { name: 'acme' } })).statusCode, 201);
    });
    after(() => p.stop());

    const verify = (secret: string) => p.req('GET', '/auth/verify?org=acme', { auth: { token: secret } });
    const setPolicy = async (body: Record<string, unknown>) => {
      const res = await p.req('PUT', '/api/v1/orgs/acme/policy', { auth: alice.auth, body });
      assert.equal(res.statusCode, 200, res.body);
    };

    for (const [name, token, policy, relax] of [
      ['allowFullAccess', { scopes: ['*'], orgs: ['acme'] }, { allowFullAccess: false }, { allowFullAccess: true }],
      ['allowGlobalTokens', { scopes: ['code:read'], orgs: '*' }, { allowGlobalTokens: false }, { allowGlobalTokens: true }],
      ['maxLifetimeDays', { scopes: ['code:read'], orgs: ['acme'], expiresInDays: 365 }, { maxLifetimeDays: 30 }, { maxLifetimeDays: null }],
    ] as const) {
      test(`a token that a later ${name} no longer allows stops working there without being revoked, and works again when relaxed`, async () => {
        const t = await createToken(p, alice.auth, { name, ...token });
        assert.equal((await verify(t.secret)).statusCode, 200);
        await setPolicy(policy);
        const refused = await verify(t.secret);
        assert.equal(refused.statusCode, 403);
        assert.equal(refused.json().code, 'org_forbidden');
        assert.equal(refused.json().policy, name);
        assert.match(refused.json().detail, /acme/);
        // The org API refuses the same token the same way (one rule, everywhere).
        assert.equal((await p.req('GET', '/api/v1/orgs/acme', { auth: { token: t.secret } })).statusCode, 403);
        const view = (await p.req('GET', `/api/v1/tokens/${t.id}`, { auth: alice.auth })).json();
        assert.equal(view.status, 'active', 'not revoked');
        await setPolicy(relax);
        assert.equal((await verify(t.secret)).statusCode, 200);
      });
    }

    test('maxLifetimeDays counts from now: a renewal within the limit makes the token work again, a longer one is refused', async () => {
      const t = await createToken(p, alice.auth, { name: 'long', scopes: ['code:read'], orgs: ['acme'], expiresInDays: 90 });
      await setPolicy({ maxLifetimeDays: 30 });
      assert.equal((await verify(t.secret)).statusCode, 403);
      const renewed = await p.req('PATCH', `/api/v1/tokens/${t.id}`, { auth: alice.auth, body: { expiresInDays: 30 } });
      assert.equal(renewed.statusCode, 200, renewed.body);
      assert.equal((await verify(t.secret)).statusCode, 200);
      const longer = await p.req('PATCH', `/api/v1/tokens/${t.id}`, { auth: alice.auth, body: { expiresInDays: 60 } });
      assert.equal(longer.statusCode, 403);
      assert.equal(longer.json().code, 'policy_violation');
      assert.equal(longer.json().policy, 'maxLifetimeDays');
      await setPolicy({ maxLifetimeDays: null });
    });

    test('creation is refused with a problem naming the policy and the field', async () => {
      await setPolicy({ allowFullAccess: false, maxLifetimeDays: 7 });
      const full = await p.req('POST', '/api/v1/tokens', { auth: alice.auth, body: { name: 'x', scopes: ['*'], orgs: ['acme'], expiresInDays: 7 } });
      assert.deepEqual([full.statusCode, full.json().code, full.json().policy, full.json().field], [403, 'policy_violation', 'allowFullAccess', 'scopes']);
      const long = await p.req('POST', '/api/v1/tokens', { auth: alice.auth, body: { name: 'x', scopes: ['code:read'], orgs: ['acme'], expiresInDays: 8 } });
      assert.deepEqual([long.json().policy, long.json().field], ['maxLifetimeDays', 'expiresAt']);
      await setPolicy({ allowFullAccess: true, maxLifetimeDays: null });
    });
  });
}
