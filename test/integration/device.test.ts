import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { dialects } from '../helpers/db.js';
import { addUser, ADMIN_PASSWORD, type Auth, startTestPatd, type TestPatd } from '../helpers/harness.js';

const GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
const form = (o: Record<string, string>) => new URLSearchParams(o).toString();

for (const dialect of await dialects()) {
  describe(`device authorization, RFC 8628 (${dialect})`, () => {
    let p: TestPatd;
    let admin: Auth;
    before(async () => {
      p = await startTestPatd(dialect);
      admin = await p.signIn('admin', ADMIN_PASSWORD);
      for (const name of ['acme', 'beta']) await p.req('POST', '/api/v1/orgs', { auth: admin, body: { name } });
    });
    after(() => p.stop());

    const post = (url: string, body: Record<string, string>, headers: Record<string, string> = {}) =>
      p.app.inject({ method: 'POST', url, payload: form(body), headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers } });
    const start = async (extra: Record<string, string> = {}) => {
      const res = await post('/oauth/device_authorization', { client_id: 'test-cli', scope: 'code:write profile:read', ...extra });
      assert.equal(res.statusCode, 200, res.body);
      return res.json() as { device_code: string; user_code: string; verification_uri: string; verification_uri_complete: string; expires_in: number; interval: number };
    };
    const poll = (device_code: string, client_id = 'test-cli') => post('/oauth/token', { grant_type: GRANT, device_code, client_id });

    test('device_authorization answers the RFC 8628 fields', async () => {
      const s = await start();
      assert.match(s.user_code, /^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/);
      assert.equal(s.verification_uri, `${p.config.publicUrl}/device`);
      assert.equal(s.verification_uri_complete, `${p.config.publicUrl}/device?user_code=${s.user_code}`);
      assert.equal(s.expires_in, 600);
      assert.equal(s.interval, 5);
      assert.ok(s.device_code.length >= 40);
    });

    test('bad requests: unknown scope, missing client_id, bad org', async () => {
      let res = await post('/oauth/device_authorization', { client_id: 'x', scope: 'nope:read' });
      assert.equal(res.statusCode, 400);
      assert.equal(res.json().error, 'invalid_scope');
      res = await post('/oauth/device_authorization', { scope: 'code:read' });
      assert.equal(res.json().error, 'invalid_request');
      res = await post('/oauth/device_authorization', { client_id: 'x', scope: 'code:read', orgs: '../etc' });
      assert.equal(res.json().error, 'invalid_request');
    });

    test('pending, slow_down, then approval gives a PAT once (single use)', async () => {
      const s = await start({ token_name: 'git: https://example/ on box', orgs: 'acme', expires_in_days: '7' });
      let res = await poll(s.device_code);
      assert.equal(res.statusCode, 400);
      assert.equal(res.json().error, 'authorization_pending');
      assert.equal(res.headers['cache-control'], 'no-store');
      res = await poll(s.device_code); // at once: too fast
      assert.equal(res.json().error, 'slow_down');
      assert.equal(res.json().interval, 10);
      p.clock.advance(6_000);
      const again = (await poll(s.device_code)).json(); // the interval is now 10 s
      assert.equal(again.error, 'slow_down');
      assert.equal(again.interval, 15); // and grows by 5 s with every slow_down
      p.clock.advance(16_000);
      assert.equal((await poll(s.device_code)).json().error, 'authorization_pending');

      const view = await p.req('GET', `/api/v1/device/${s.user_code.toLowerCase()}`, { auth: admin });
      assert.equal(view.statusCode, 200, view.body);
      assert.equal(view.json().clientName, 'test-cli');
      assert.equal(view.json().tokenName, 'git: https://example/ on box');
      assert.deepEqual(view.json().scopes.map((x: { id: string }) => x.id), ['code:write', 'profile:read']);
      assert.deepEqual(view.json().orgs, ['acme']);
      assert.equal(view.json().expiresInDays, 7);

      const ok = await p.req('POST', `/api/v1/device/${s.user_code}`, { auth: admin, body: { action: 'approve' } });
      assert.equal(ok.statusCode, 200, ok.body);
      assert.equal((await p.req('POST', `/api/v1/device/${s.user_code}`, { auth: admin, body: { action: 'deny' } })).statusCode, 404);

      p.clock.advance(11_000);
      res = await poll(s.device_code);
      assert.equal(res.statusCode, 200, res.body);
      const t = res.json();
      assert.equal(t.token_type, 'bearer');
      assert.equal(t.scope, 'code:write profile:read');
      assert.equal(t.expires_in, 7 * 86_400);
      assert.match(t.access_token, /^patd_/);
      const me = await p.req('GET', '/api/v1/me', { auth: { token: t.access_token } });
      assert.equal(me.statusCode, 200);
      assert.deepEqual(me.json().token.orgs, ['acme']);
      const tok = await p.req('GET', `/api/v1/tokens/${t.token_id}`, { auth: admin });
      assert.equal(tok.json().createdVia, 'device');
      assert.equal(tok.json().clientName, 'test-cli');
      assert.equal(tok.json().name, 'git: https://example/ on box');
      // Single use.
      p.clock.advance(11_000);
      assert.equal((await poll(s.device_code)).json().error, 'invalid_grant');
    });

    test('the approver may narrow the orgs and shorten the lifetime', async () => {
      const s = await start();
      const ok = await p.req('POST', `/api/v1/device/${s.user_code}`, { auth: admin, body: { action: 'approve', orgs: ['beta'], expiresInDays: 1 } });
      assert.equal(ok.statusCode, 200, ok.body);
      const res = await poll(s.device_code);
      assert.equal(res.statusCode, 200);
      assert.equal(res.json().expires_in, 86_400);
      const me = await p.req('GET', '/api/v1/me', { auth: { token: res.json().access_token } });
      assert.deepEqual(me.json().token.orgs, ['beta']);
    });

    test('the approver may never widen the request: more orgs, all orgs or a longer life are refused', async () => {
      const s = await start({ orgs: 'acme', expires_in_days: '7' });
      for (const body of [{ orgs: ['acme', 'beta'] }, { orgs: ['beta'] }, { orgs: '*' }, { expiresInDays: 8 }]) {
        const res = await p.req('POST', `/api/v1/device/${s.user_code}`, { auth: admin, body: { action: 'approve', ...body } });
        assert.equal(res.statusCode, 403, `${JSON.stringify(body)}: ${res.body}`);
        assert.equal(res.json().code, 'forbidden');
        assert.match(res.json().detail, /never/);
      }
      // Without a requested lifetime the request is for the default 30 days: 31 is a widening too.
      const d = await start();
      const longer = await p.req('POST', `/api/v1/device/${d.user_code}`, { auth: admin, body: { action: 'approve', expiresInDays: 31 } });
      assert.equal(longer.statusCode, 403);
      // The request is still pending and can be approved as asked.
      assert.equal((await p.req('POST', `/api/v1/device/${s.user_code}`, { auth: admin, body: { action: 'approve' } })).statusCode, 200);
      const res = await poll(s.device_code);
      const me = await p.req('GET', '/api/v1/me', { auth: { token: res.json().access_token } });
      assert.deepEqual(me.json().token.orgs, ['acme']);
    });

    test('denied', async () => {
      const s = await start();
      assert.equal((await p.req('POST', `/api/v1/device/${s.user_code}`, { auth: admin, body: { action: 'deny' } })).json().status, 'denied');
      const res = await poll(s.device_code);
      assert.equal(res.statusCode, 400);
      assert.equal(res.json().error, 'access_denied');
    });

    test('expired: polls get expired_token and the page no longer shows it', async () => {
      const s = await start();
      p.clock.advance(601_000);
      assert.equal((await poll(s.device_code)).json().error, 'expired_token');
      assert.equal((await p.req('GET', `/api/v1/device/${s.user_code}`, { auth: admin })).statusCode, 404);
      assert.equal((await p.req('POST', `/api/v1/device/${s.user_code}`, { auth: admin, body: { action: 'approve' } })).statusCode, 404);
    });

    test('unknown code, wrong client_id, wrong grant type', async () => {
      const s = await start();
      assert.equal((await poll('not-a-code')).json().error, 'invalid_grant');
      assert.equal((await poll(s.device_code, 'someone-else')).json().error, 'invalid_grant');
      const res = await post('/oauth/token', { grant_type: 'password', device_code: s.device_code, client_id: 'test-cli' });
      assert.equal(res.json().error, 'unsupported_grant_type');
      assert.equal((await p.req('GET', '/api/v1/device/BCDF-GHJK', { auth: admin })).statusCode, 404);
    });

    test('approval needs a session with the CSRF token; a PAT cannot approve', async () => {
      const s = await start();
      const noCsrf = await p.req('POST', `/api/v1/device/${s.user_code}`, { auth: admin, body: { action: 'approve' }, headers: { 'x-csrf-token': 'wrong' } });
      assert.equal(noCsrf.statusCode, 403);
      assert.equal(noCsrf.json().code, 'csrf_failed');
      assert.equal((await p.req('GET', `/api/v1/device/${s.user_code}`)).statusCode, 401);
      const tok = await p.req('POST', '/api/v1/tokens', { auth: admin, body: { name: 'x', scopes: ['*'] } });
      const pat = await p.req('POST', `/api/v1/device/${s.user_code}`, { auth: { token: tok.json().secret }, body: { action: 'approve' } });
      assert.equal(pat.statusCode, 403);
      assert.equal(pat.json().code, 'session_required');
    });

    test('approval is checked against org policy and membership', async () => {
      await p.req('PUT', '/api/v1/orgs/acme/policy', { auth: admin, body: { maxLifetimeDays: 7 } });
      const s = await start({ orgs: 'acme', expires_in_days: '30' });
      const res = await p.req('POST', `/api/v1/device/${s.user_code}`, { auth: admin, body: { action: 'approve' } });
      assert.equal(res.statusCode, 403);
      assert.equal(res.json().code, 'policy_violation');
      const carol = await addUser(p, admin, 'carol');
      const c = await p.req('POST', `/api/v1/device/${s.user_code}`, { auth: carol.auth, body: { action: 'approve' } });
      assert.equal(c.statusCode, 400);
      assert.match(c.json().detail, /not a member of org "acme"/);
      await p.req('PUT', '/api/v1/orgs/acme/policy', { auth: admin, body: { maxLifetimeDays: null } });
    });

    test('the /device page: sign in, see the request, approve with the CSRF field', async () => {
      const s = await start({ orgs: 'acme' });
      let res = await p.app.inject({ method: 'GET', url: `/device?user_code=${s.user_code}` });
      assert.equal(res.statusCode, 200);
      assert.match(res.headers['content-type'] as string, /text\/html/);
      assert.equal(res.headers['x-frame-options'], 'DENY');
      assert.match(res.body, /<form method="post" action="\/signin"/);
      assert.match(res.body, /name="password"/);
      assert.match(res.body, new RegExp(`name="return_to" value="/device\\?user_code=${s.user_code}"`));
      // The sign-in form carries a login-CSRF value that must match its SameSite=Strict cookie.
      const loginCsrf = /name="login_csrf" value="([^"]+)"/.exec(res.body)?.[1] ?? '';
      const loginCookie = res.cookies.find((c) => c.name === 'patd_login_csrf');
      assert.equal(loginCookie?.value, loginCsrf);
      assert.equal(loginCookie?.sameSite, 'Strict');
      const login = { cookie: `patd_login_csrf=${loginCsrf}` };
      const returnTo = `/device?user_code=${s.user_code}`;
      const forged = await post('/signin', { username: 'admin', password: ADMIN_PASSWORD, return_to: returnTo, login_csrf: loginCsrf });
      assert.equal(forged.statusCode, 403, 'a form posted from elsewhere arrives without the cookie');
      assert.ok(!forged.cookies.some((c) => c.name === 'patd_session'));

      res = await post('/signin', { username: 'admin', password: 'wrong-password', return_to: returnTo, login_csrf: loginCsrf }, login);
      assert.equal(res.statusCode, 401);
      assert.match(res.body, /Wrong username or password/);

      res = await post('/signin', { username: 'admin', password: ADMIN_PASSWORD, return_to: returnTo, login_csrf: loginCsrf }, login);
      assert.equal(res.statusCode, 303);
      assert.equal(res.headers.location, `/device?user_code=${s.user_code}`);
      const cookie = res.cookies.find((c) => c.name === 'patd_session');
      assert.ok(cookie?.httpOnly);
      const headers = { cookie: `patd_session=${cookie?.value}` };

      res = await p.app.inject({ method: 'GET', url: res.headers.location as string, headers });
      assert.equal(res.statusCode, 200);
      assert.match(res.body, /test-cli/);
      assert.match(res.body, /<code>code:write<\/code> — git push/);
      assert.match(res.body, /<code>acme<\/code>/);
      assert.match(res.body, /30 days/);
      assert.match(res.body, /Requested from<\/dt><dd>127\.0\.0\.1/, 'where the request came from, to spot one that is not yours');
      const csrf = /name="csrf_token" value="([^"]+)"/.exec(res.body)?.[1] ?? '';
      assert.ok(csrf);

      res = await post('/device', { action: 'approve', user_code: s.user_code, csrf_token: 'forged' }, headers);
      assert.equal(res.statusCode, 403);
      res = await post('/device', { action: 'approve', user_code: s.user_code }, headers);
      assert.equal(res.statusCode, 403);
      res = await post('/device', { action: 'approve', user_code: s.user_code, csrf_token: csrf }, headers);
      assert.equal(res.statusCode, 303, 'post/redirect/get: a reload does not post the decision again');
      assert.equal(res.headers.location, '/device?done=approved');
      res = await p.app.inject({ method: 'GET', url: res.headers.location as string, headers });
      assert.match(res.body, /Device approved/);
      assert.equal((await poll(s.device_code)).statusCode, 200);

      // Deny through the page; an unknown code shows the code form again.
      const d = await start();
      res = await post('/device', { action: 'deny', user_code: d.user_code, csrf_token: csrf }, headers);
      assert.equal(res.headers.location, '/device?done=denied');
      assert.match((await p.app.inject({ method: 'GET', url: '/device?done=denied', headers })).body, /Request denied/);
      assert.equal((await poll(d.device_code)).json().error, 'access_denied');
      res = await p.app.inject({ method: 'GET', url: '/device?user_code=ZZZZ-ZZZZ', headers });
      assert.equal(res.statusCode, 404);
      assert.match(res.body, /name="user_code"/);
      res = await p.app.inject({ method: 'GET', url: '/device', headers });
      assert.match(res.body, /Enter the code/);
    });

    test('HTML is escaped', async () => {
      const res = await post('/oauth/device_authorization', { client_id: '<b>evil</b>', scope: 'code:read' });
      const code = res.json().user_code;
      const view = await p.req('GET', `/api/v1/device/${code}`, { auth: admin });
      assert.equal(view.json().clientName, '<b>evil</b>');
      const sess = await p.signIn('admin', ADMIN_PASSWORD);
      const page = await p.app.inject({ method: 'GET', url: `/device?user_code=${code}`, headers: { cookie: `patd_session=${'cookie' in sess ? sess.cookie : ''}` } });
      assert.doesNotMatch(page.body, /<b>evil<\/b>/);
      assert.match(page.body, /&lt;b>evil/);
    });
  });
}
