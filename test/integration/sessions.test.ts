import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { dialects } from '../helpers/db.js';
import { ADMIN_PASSWORD, type Auth, addUser, createToken, startTestPatd, type TestPatd } from '../helpers/harness.js';

type SessionRow = { id: string; current: boolean; createdAt: string; lastSeenAt: string; ip: string | null; userAgent: string | null };

for (const dialect of await dialects()) {
  describe(`sessions: password change, email change, /me/sessions (${dialect})`, () => {
    let p: TestPatd;
    let admin: Auth;
    before(async () => {
      p = await startTestPatd(dialect);
      admin = await p.signIn('admin', ADMIN_PASSWORD);
    });
    after(() => p.stop());
    const signInAs = async (username: string, password: string, ua: string): Promise<Auth> => {
      const res = await p.req('POST', '/api/v1/session', { body: { username, password }, headers: { 'user-agent': ua } });
      assert.equal(res.statusCode, 200, res.body);
      return { cookie: res.cookies.find((c) => c.name === 'patd_session')?.value ?? '', csrf: res.json().csrfToken };
    };
    const alive = async (auth: Auth) => (await p.req('GET', '/api/v1/session', { auth })).statusCode === 200;
    const list = async (auth: Auth) => {
      const res = await p.req('GET', '/api/v1/me/sessions', { auth });
      assert.equal(res.statusCode, 200, res.body);
      return res.json().items as SessionRow[];
    };

    test('a password change ends every other session of the user, not the current one', async () => {
      const u = await addUser(p, admin, 'pam');
      const laptop = await signInAs('pam', 'pam-password-1', 'laptop');
      const other = await addUser(p, admin, 'bystander');
      const res = await p.req('PATCH', '/api/v1/me', { auth: u.auth, body: { password: 'pam-password-2', currentPassword: 'pam-password-1' } });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(await alive(laptop), false, "the other session's cookie is dead");
      assert.equal((await p.req('GET', '/api/v1/me', { auth: laptop })).statusCode, 401);
      assert.equal(await alive(u.auth), true, 'the session that made the change stays');
      assert.equal(await alive(other.auth), true, "other users' sessions are untouched");
      assert.equal((await p.req('POST', '/api/v1/session', { body: { username: 'pam', password: 'pam-password-1' } })).statusCode, 401);
      await signInAs('pam', 'pam-password-2', 'phone');
      const ev = (await p.req('GET', '/api/v1/me/audit?action=user.updated', { auth: u.auth })).json().items;
      assert.deepEqual([ev[0]?.details.changed, ev[0]?.details.otherSessionsEnded], [['password'], 1]);
    });

    test('changing the email needs currentPassword: missing or wrong is 401 invalid_credentials naming the field', async () => {
      const u = await addUser(p, admin, 'eli');
      for (const body of [{ email: 'eli@new.example' }, { email: 'eli@new.example', currentPassword: 'wrong-password' }]) {
        const res = await p.req('PATCH', '/api/v1/me', { auth: u.auth, body });
        assert.deepEqual([res.statusCode, res.json().code, res.json().field], [401, 'invalid_credentials', 'currentPassword']);
      }
      assert.equal((await p.req('GET', '/api/v1/me', { auth: u.auth })).json().user.email, 'eli@example.test', 'unchanged');
      assert.equal((await p.req('PATCH', '/api/v1/me', { auth: u.auth, body: { displayName: 'Eli E' } })).statusCode, 200, 'the display name needs no password');
      assert.equal((await p.req('PATCH', '/api/v1/me', { auth: u.auth, body: { email: 'eli@example.test' } })).statusCode, 200, 'the same email is no change');
      const ok = await p.req('PATCH', '/api/v1/me', { auth: u.auth, body: { email: 'eli@new.example', currentPassword: 'eli-password-1' } });
      assert.deepEqual([ok.statusCode, ok.json().email], [200, 'eli@new.example']);
      assert.equal(await alive(u.auth), true);
    });

    test('GET /me/sessions lists your active sessions with a public id, never the cookie or its digest', async () => {
      const u = await addUser(p, admin, 'sue');
      const phone = await signInAs('sue', 'sue-password-1', 'phone-browser/1.0');
      await addUser(p, admin, 'sam');
      const res = await p.req('GET', '/api/v1/me/sessions', { auth: u.auth });
      const items = res.json().items as SessionRow[];
      assert.equal(items.length, 2);
      assert.ok(items.every((s) => /^ses_[0-9A-Za-z]+$/.test(s.id) && s.ip === '127.0.0.1'));
      assert.deepEqual(items.filter((s) => s.current).length, 1);
      assert.ok(items.some((s) => s.userAgent === 'phone-browser/1.0' && !s.current));
      const stored = await p.store.r.sessions.listForUser(u.id, p.clock.now());
      for (const s of stored) assert.ok(!res.body.includes(s.id) && !res.body.includes(s.csrfToken), 'no digest, no CSRF token');
      for (const a of [u.auth, phone] as { cookie: string }[]) assert.ok(!res.body.includes(a.cookie), 'no cookie');
      const t = await createToken(p, u.auth, { name: 't', scopes: ['*'] });
      const pat = await p.req('GET', '/api/v1/me/sessions', { auth: { token: t.secret } });
      assert.deepEqual([pat.statusCode, pat.json().code], [403, 'session_required']);
    });

    test('last seen moves at most once a minute per session', async () => {
      await addUser(p, admin, 'lou');
      const a = await signInAs('lou', 'lou-password-1', 'lou');
      const seen = async () => (await list(a)).find((s) => s.current)?.lastSeenAt;
      const t0 = await seen();
      assert.equal(t0, new Date(p.clock.now()).toISOString());
      p.clock.advance(30_000);
      assert.equal(await seen(), t0, 'within the minute: no write');
      p.clock.advance(31_000);
      await list(a); // this request is seen
      assert.equal(await seen(), new Date(p.clock.now()).toISOString());
    });

    test('DELETE /me/sessions signs out everywhere else (CSRF applies); DELETE /me/sessions/{id} ends one of your own', async () => {
      const u = await addUser(p, admin, 'ron');
      const [b, c] = [await signInAs('ron', 'ron-password-1', 'b'), await signInAs('ron', 'ron-password-1', 'c')];
      const nosurf = await p.req('DELETE', '/api/v1/me/sessions', { auth: u.auth, headers: { 'x-csrf-token': 'nope' } });
      assert.deepEqual([nosurf.statusCode, nosurf.json().code], [403, 'csrf_failed']);
      const cid = (await list(c)).find((s) => s.current)?.id as string;
      const stranger = await addUser(p, admin, 'stranger');
      assert.equal((await p.req('DELETE', `/api/v1/me/sessions/${cid}`, { auth: stranger.auth })).statusCode, 404, "another user's session is not found");
      assert.equal(await alive(c), true);
      assert.equal((await p.req('DELETE', `/api/v1/me/sessions/${cid}`, { auth: u.auth })).statusCode, 204);
      assert.equal(await alive(c), false);
      assert.equal((await p.req('DELETE', `/api/v1/me/sessions/${cid}`, { auth: u.auth })).statusCode, 404);
      assert.equal((await p.req('DELETE', '/api/v1/me/sessions/ses_nope', { auth: u.auth })).statusCode, 404);
      const all = await p.req('DELETE', '/api/v1/me/sessions', { auth: u.auth });
      assert.deepEqual([all.statusCode, all.json().ended], [200, 1]);
      assert.equal(await alive(b), false);
      assert.equal(await alive(u.auth), true);
      assert.deepEqual((await list(u.auth)).map((s) => s.current), [true]);
      const ev = (await p.req('GET', '/api/v1/me/audit?action=session.revoked', { auth: u.auth })).json().items;
      assert.equal(ev.length, 2);
    });

    test("disabling a user ends their sessions", async () => {
      const u = await addUser(p, admin, 'dora');
      assert.equal((await p.req('PATCH', `/api/v1/users/${u.id}`, { auth: admin, body: { disabled: true } })).statusCode, 200);
      assert.equal(await alive(u.auth), false);
      assert.deepEqual(await p.store.r.sessions.listForUser(u.id, p.clock.now()), []);
    });
  });
}
