import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { dialects } from '../helpers/db.js';
import { ADMIN_PASSWORD, type Auth, addUser, startTestPatd, type TestPatd } from '../helpers/harness.js';

for (const dialect of await dialects()) {
  describe(`accounts and sign-in (${dialect})`, () => {
    let p: TestPatd;
    let admin: Auth;
    before(async () => {
      p = await startTestPatd(dialect, { overrides: { settings: { signInPerUser: 3, signInPerIp: 20 } } });
      admin = await p.signIn('admin', ADMIN_PASSWORD);
    });
    after(() => p.stop());

    test('sign-in sets an HttpOnly SameSite=Lax cookie and returns the CSRF token; GET and DELETE /session', async () => {
      const res = await p.req('POST', '/api/v1/session', { body: { username: 'admin', password: ADMIN_PASSWORD } });
      assert.equal(res.statusCode, 200);
      const setCookie = String(res.headers['set-cookie']);
      assert.match(setCookie, /patd_session=/);
      assert.match(setCookie, /HttpOnly/);
      assert.match(setCookie, /SameSite=Lax/);
      assert.doesNotMatch(setCookie, /Secure/, 'not under plain http');
      const auth = { cookie: res.cookies[0]?.value ?? '', csrf: res.json().csrfToken };
      const who = await p.req('GET', '/api/v1/session', { auth });
      assert.equal(who.json().user.username, 'admin');
      assert.equal(who.json().csrfToken, auth.csrf);
      assert.equal((await p.req('DELETE', '/api/v1/session', { auth })).statusCode, 204);
      assert.equal((await p.req('GET', '/api/v1/session', { auth })).statusCode, 401);
    });

    test('cookie is Secure when the public URL is https', async () => {
      const q = await startTestPatd(dialect, { env: { PATD_PUBLIC_URL: 'https://patd.example.test' } });
      try {
        const res = await q.req('POST', '/api/v1/session', { body: { username: 'admin', password: ADMIN_PASSWORD } });
        assert.match(String(res.headers['set-cookie']), /Secure/);
      } finally {
        await q.stop();
      }
    });

    test('a cookie-authenticated change without the CSRF header is refused', async () => {
      const res = await p.req('POST', '/api/v1/orgs', { auth: admin, body: { name: 'csrf-test' }, headers: { 'x-csrf-token': 'wrong' } });
      assert.equal(res.statusCode, 403);
      assert.equal(res.json().code, 'csrf_failed');
      const a = admin as { cookie: string };
      const none = await p.app.inject({ method: 'POST', url: '/api/v1/orgs', headers: { cookie: `patd_session=${a.cookie}` }, payload: { name: 'csrf-test' } });
      assert.equal(none.json().code, 'csrf_failed');
      assert.equal((await p.req('GET', '/api/v1/orgs', { auth: admin, headers: { 'x-csrf-token': 'ignored-on-get' } })).statusCode, 200);
    });

    test('wrong credentials: 401 invalid_credentials, the same for unknown users', async () => {
      for (const body of [{ username: 'admin', password: 'wrong-password' }, { username: 'nobody', password: 'whatever1' }]) {
        const res = await p.req('POST', '/api/v1/session', { body });
        assert.equal(res.statusCode, 401);
        assert.equal(res.json().code, 'invalid_credentials');
      }
    });

    test('sign-in attempts are limited per username: 429 with Retry-After', async () => {
      await addUser(p, admin, 'victim');
      let last = await p.req('POST', '/api/v1/session', { body: { username: 'victim', password: 'nope-nope' } });
      for (let i = 0; i < 3; i++) last = await p.req('POST', '/api/v1/session', { body: { username: 'victim', password: 'nope-nope' } });
      assert.equal(last.statusCode, 429);
      assert.equal(last.json().code, 'rate_limited');
      assert.ok(Number(last.headers['retry-after']) > 0);
      const right = await p.req('POST', '/api/v1/session', { body: { username: 'victim', password: 'victim-password-1' } });
      assert.equal(right.statusCode, 429, 'even the right password waits');
      p.clock.advance(16 * 60_000);
      assert.equal((await p.req('POST', '/api/v1/session', { body: { username: 'victim', password: 'victim-password-1' } })).statusCode, 200);
    });

    test('sign-in attempts are limited per IP', async () => {
      const q = await startTestPatd(dialect, { overrides: { settings: { signInPerUser: 100, signInPerIp: 4 } } });
      try {
        const codes: number[] = [];
        for (let i = 0; i < 6; i++) codes.push((await q.req('POST', '/api/v1/session', { body: { username: `u${i}`, password: 'xxxxxxxx' } })).statusCode);
        assert.deepEqual(codes, [401, 401, 401, 401, 429, 429]);
      } finally {
        await q.stop();
      }
    });

    test('instance admins create, list, and disable users; others cannot', async () => {
      const u = await addUser(p, admin, 'gina', { displayName: 'Gina G' });
      const list = await p.req('GET', '/api/v1/users?limit=200', { auth: admin });
      assert.ok(list.json().items.some((x: { username: string }) => x.username === 'gina'));
      const dup = await p.req('POST', '/api/v1/users', { auth: admin, body: { username: 'gina', email: 'g@example.test' } });
      assert.equal(dup.statusCode, 409);
      for (const [m, url, body] of [['GET', '/api/v1/users'], ['POST', '/api/v1/users', { username: 'x', email: 'x@example.test' }],
        ['PATCH', `/api/v1/users/${u.id}`, { disabled: true }]] as const) {
        const res = await p.req(m, url, { auth: u.auth, body });
        assert.equal(res.statusCode, 403, `${m} ${url}`);
      }
      const dis = await p.req('PATCH', `/api/v1/users/${u.id}`, { auth: admin, body: { disabled: true } });
      assert.equal(dis.json().disabled, true);
      const signIn = await p.req('POST', '/api/v1/session', { body: { username: 'gina', password: 'gina-password-1' } });
      assert.equal(signIn.statusCode, 401);
      const self = await p.req('PATCH', `/api/v1/users/${(await p.req('GET', '/api/v1/session', { auth: admin })).json().user.id}`, { auth: admin, body: { disabled: true } });
      assert.equal(self.statusCode, 403, 'an admin cannot lock themselves out');
    });

    test('PATCH /me edits the profile; a password change needs the current password', async () => {
      const u = await addUser(p, admin, 'hank');
      const ok = await p.req('PATCH', '/api/v1/me', { auth: u.auth, body: { displayName: 'Hank H', email: 'hank@new.example', currentPassword: 'hank-password-1' } });
      assert.equal(ok.statusCode, 200);
      assert.equal(ok.json().displayName, 'Hank H');
      const bad = await p.req('PATCH', '/api/v1/me', { auth: u.auth, body: { password: 'new-password-2', currentPassword: 'wrong' } });
      assert.equal(bad.json().code, 'invalid_credentials');
      const good = await p.req('PATCH', '/api/v1/me', { auth: u.auth, body: { password: 'new-password-2', currentPassword: 'hank-password-1' } });
      assert.equal(good.statusCode, 200);
      assert.equal((await p.req('POST', '/api/v1/session', { body: { username: 'hank', password: 'new-password-2' } })).statusCode, 200);
    });

    test('the first start creates admin with a generated password when none is given', async () => {
      const q = await startTestPatd(dialect);
      try {
        const r = await q.accounts.bootstrap();
        assert.equal(r.created, false, 'only on an empty database');
      } finally {
        await q.stop();
      }
    });
  });
}
