import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import type { Patd } from '../../src/server.js';
import { dialects } from '../helpers/db.js';
import { ADMIN_PASSWORD, addUser, type Auth, createToken, startTestPatd, type TestPatd } from '../helpers/harness.js';
import { listen, startSibling } from '../helpers/sibling.js';

const CTX = { actor: { type: 'system' as const, id: null, name: 'test' }, ip: null, userAgent: null };
const MINUTE = 60_000;

/** A JSON request over real TCP, from the given loopback source address (a second client is 127.0.0.2). */
function post(base: string, path: string, body: unknown, from = '127.0.0.1'): Promise<{ status: number; headers: Record<string, unknown>; json: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const payload = JSON.stringify(body);
    const req = request(`${base}${path}`, { method: 'POST', localAddress: from, headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)) } }, (res) => {
      let b = '';
      res.on('data', (c) => (b += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, json: b ? JSON.parse(b) : {} }));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

const bearer = (secret: string) => ({ authorization: `Bearer ${secret}` });
const basic = (user: string, secret: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${secret}`).toString('base64')}` });

/** Whole seconds, within the window. */
function assertRetryAfter(h: unknown, maxSeconds: number) {
  assert.match(String(h), /^\d+$/, `Retry-After is whole seconds (got ${String(h)})`);
  assert.ok(Number(h) >= 1 && Number(h) <= maxSeconds, `Retry-After ${String(h)} is within ${maxSeconds} s`);
}

/** Failures are counted in the background: wait (at most 1 s) until `check` holds. */
async function eventually(check: () => Promise<boolean>, what: string) {
  const until = Date.now() + 1000;
  while (!(await check())) {
    if (Date.now() > until) assert.fail(`not within 1 s: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

for (const dialect of await dialects()) {
  describe(`rate-limit windows in the database (${dialect})`, () => {
    let p: TestPatd;
    before(async () => {
      p = await startTestPatd(dialect);
    });
    after(() => p.stop());

    test('add counts exactly under concurrency, windows roll over, refund never goes below 0, purge drops ended windows', async () => {
      const r = p.store.r.rateLimits;
      const t = 1_000_000;
      const counts = await Promise.all(Array.from({ length: 20 }, () => r.add('k', 1, t, 60_000)));
      assert.deepEqual(counts.map((c) => c.count).sort((a, b) => a - b), Array.from({ length: 20 }, (_, i) => i + 1));
      assert.ok(counts.every((c) => c.resetAt === t + 60_000), 'one window');
      assert.deepEqual(await r.add('k', 5, t + 59_999, 60_000), { count: 25, resetAt: t + 60_000 });
      assert.deepEqual(await r.get('k', t + 1), { count: 25, resetAt: t + 60_000 });
      assert.deepEqual(await r.add('k', 1, t + 60_000, 60_000), { count: 1, resetAt: t + 120_000 }, 'a new window');
      await r.refund('k', t + 60_001);
      await r.refund('k', t + 60_001);
      assert.equal((await r.get('k', t + 60_001)).count, 0);
      await r.refund('gone', t);
      assert.equal((await r.get('gone', t)).count, 0, 'refund opens no window');
      assert.equal((await r.get('k', t + 120_000)).count, 0, 'an ended window counts nothing');
      await r.add('other', 1, t, 10);
      await r.delete('k');
      assert.equal((await r.get('k', t + 60_001)).count, 0);
      assert.ok((await r.purge(t + 11)) >= 1);
      assert.equal((await r.add('other', 1, t + 12, 10)).count, 1);
    });
  });

  describe(`rate limits with the spec's defaults, shared by two instances (${dialect})`, () => {
    let a: TestPatd;
    let b: Patd;
    let baseA: string;
    let baseB: string;
    let admin: Auth;
    before(async () => {
      a = await startTestPatd(dialect);
      b = await startSibling(a);
      baseA = await listen(a);
      baseB = await listen(b);
      admin = await a.signIn('admin', ADMIN_PASSWORD);
    });
    after(async () => {
      await b.close();
      await a.stop();
    });

    test('sign-in: 10 failures per username and IP, counted on both instances; another IP still signs in; a success does not count; the window passes', async () => {
      await addUser(a, admin, 'victim');
      const wrong = { username: 'victim', password: 'not-the-password' };
      const right = { username: 'victim', password: 'victim-password-1' };
      for (let i = 0; i < 10; i++) {
        const res = await post(i % 2 ? baseA : baseB, '/api/v1/session', wrong);
        assert.equal(res.status, 401, `failure ${i + 1}`);
      }
      for (const base of [baseA, baseB]) {
        const res = await post(base, '/api/v1/session', right);
        assert.equal(res.status, 429, 'even the right password waits, on either instance');
        assert.equal(res.json.code, 'rate_limited');
        assertRetryAfter(res.headers['retry-after'], 15 * 60);
      }
      // Nobody can lock another person out from their own address.
      assert.equal((await post(baseB, '/api/v1/session', right, '127.0.0.2')).status, 200, 'from a second address');
      // A successful sign-in does not count.
      for (let i = 0; i < 12; i++) assert.equal((await post(baseA, '/api/v1/session', right, '127.0.0.3')).status, 200);
      for (let i = 0; i < 9; i++) await post(baseA, '/api/v1/session', wrong, '127.0.0.3');
      assert.equal((await post(baseA, '/api/v1/session', right, '127.0.0.3')).status, 200, '9 failures, then the right password');
      a.clock.advance(15 * MINUTE);
      assert.equal((await post(baseA, '/api/v1/session', right)).status, 200, 'the window has passed');
    });

    test('device codes: 30 wrong codes per IP per 10 minutes over the page and the API; right codes do not count; other IPs and the other instance', async () => {
      const cookie = (admin as { cookie: string; csrf: string });
      const session = { cookie: `patd_session=${cookie.cookie}` };
      const start = await a.app.inject({ method: 'POST', url: '/oauth/device_authorization', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'client_id=cli&scope=profile:read' });
      const good = start.json().user_code as string;
      const wrong = (i: number) => `BCDF-${'BCDFGHJKLMNPQRSTVWXZ'[i % 20]}${'BCDFGHJKLMNPQRSTVWXZ'[Math.floor(i / 20)]}ZZ`;
      for (let i = 0; i < 30; i++) {
        // The right code in between is not a failure.
        assert.equal((await a.req('GET', `/api/v1/device/${good}`, { auth: admin })).statusCode, 200);
        const kind = i % 3;
        const res = kind === 0
          ? await a.req('GET', `/api/v1/device/${wrong(i)}`, { auth: admin })
          : kind === 1
            ? await a.app.inject({ method: 'GET', url: `/device?user_code=${wrong(i)}`, headers: session })
            : await a.req('POST', `/api/v1/device/${wrong(i)}`, { auth: admin, body: { action: 'approve' } });
        assert.equal(res.statusCode, 404, `wrong code ${i + 1}: ${res.body}`);
      }
      const api = await a.req('GET', `/api/v1/device/${wrong(31)}`, { auth: admin });
      assert.equal(api.statusCode, 429);
      assert.equal(api.json().code, 'rate_limited');
      assertRetryAfter(api.headers['retry-after'], 600);
      const page = await a.app.inject({ method: 'GET', url: `/device?user_code=${wrong(32)}`, headers: session });
      assert.equal(page.statusCode, 429);
      assert.match(String(page.headers['content-type']), /^text\/html/);
      assertRetryAfter(page.headers['retry-after'], 600);
      const form = await a.app.inject({
        method: 'POST', url: '/device', headers: { ...session, 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({ action: 'approve', user_code: wrong(33), csrf_token: cookie.csrf }).toString(),
      });
      assert.equal(form.statusCode, 429);
      assert.match(String(form.headers['content-type']), /^text\/html/);
      assertRetryAfter(form.headers['retry-after'], 600);
      // The other instance counts into the same window.
      const sibling = await b.app.inject({ method: 'GET', url: `/api/v1/device/${wrong(34)}`, headers: { ...session } });
      assert.equal(sibling.statusCode, 429);
      // Another address is not affected: it approves the right code.
      const other = await a.app.inject({
        method: 'POST', url: `/api/v1/device/${good}`, remoteAddress: '127.0.0.2',
        headers: { ...session, 'x-csrf-token': cookie.csrf, 'content-type': 'application/json' }, payload: { action: 'approve' },
      });
      assert.equal(other.statusCode, 200, other.body);
      a.clock.advance(10 * MINUTE);
      assert.equal((await a.req('GET', `/api/v1/device/${wrong(35)}`, { auth: admin })).statusCode, 404, 'the window has passed');
    });

    test('forward-auth: 600 failed token checks per IP per minute; then every check from that IP is 429, also with a valid token, on both instances', async () => {
      const t = await createToken(a, admin, { name: 'valid', scopes: ['profile:read'] });
      const verify = (p: Pick<Patd, 'app'>, headers: Record<string, string>, remoteAddress = '127.0.0.1') =>
        p.app.inject({ method: 'GET', url: '/auth/verify', headers, remoteAddress });
      assert.equal((await verify(a, bearer(t.secret))).statusCode, 200);
      // Requests without credentials are not guesses: they are never counted.
      for (let i = 0; i < 700; i++) assert.equal((await verify(a, {})).statusCode, 401);
      for (let i = 0; i < 600; i++) {
        const res = await verify(a, bearer(`patd_guess${i}`));
        assert.equal(res.statusCode, 401, `guess ${i + 1}`);
      }
      await eventually(async () => (await verify(a, bearer(t.secret))).statusCode === 429, 'the IP is blocked on A');
      const blocked = await verify(a, bearer(t.secret));
      assert.equal(blocked.json().code, 'rate_limited');
      assertRetryAfter(blocked.headers['retry-after'], 60);
      assert.equal((await verify(a, bearer(t.secret), '127.0.0.2')).statusCode, 200, 'another IP is not blocked');
      // B shares the count: its first failure from that IP finds the window full.
      assert.equal((await verify(b, bearer('patd_guess-on-b'))).statusCode, 401);
      await eventually(async () => (await verify(b, bearer(t.secret))).statusCode === 429, 'the IP is blocked on B');
      a.clock.advance(MINUTE);
      assert.equal((await verify(a, bearer(t.secret))).statusCode, 200, 'the window has passed on A');
      assert.equal((await verify(b, bearer(t.secret))).statusCode, 200, 'and on B');
    });

    test('leak reports: 60 per IP per hour, then 429 with Retry-After; other IPs are not affected', async () => {
      const report = (remoteAddress: string) => a.app.inject({ method: 'POST', url: '/api/v1/token-revocations', remoteAddress, payload: { tokens: [] } });
      for (let i = 0; i < 60; i++) assert.equal((await report('127.0.0.4')).statusCode, 202, `report ${i + 1}`);
      const res = await report('127.0.0.4');
      assert.equal(res.statusCode, 429);
      assertRetryAfter(res.headers['retry-after'], 3600);
      assert.ok(Number(res.headers['retry-after']) > 600, 'an hour-long window');
      assert.equal((await report('127.0.0.5')).statusCode, 202);
      assert.equal((await b.app.inject({ method: 'POST', url: '/api/v1/token-revocations', remoteAddress: '127.0.0.4', payload: { tokens: [] } })).statusCode, 429, 'the other instance counts too');
      a.clock.advance(60 * MINUTE);
      assert.equal((await report('127.0.0.4')).statusCode, 202);
    });
  });

  describe(`rate limits, configured lower (${dialect})`, () => {
    let p: TestPatd;
    let admin: Auth;
    before(async () => {
      p = await startTestPatd(dialect, {
        env: { PATD_TRUST_PROXY: 'true', PATD_LIMIT_SIGNIN: '2/15m', PATD_LIMIT_SIGNIN_USER: '5/15m', PATD_LIMIT_SIGNIN_IP: '8/15m', PATD_LIMIT_TOKEN_FAILURES: '3/1m', PATD_LIMIT_DEVICE_START: '2/15m' },
      });
      admin = await p.signIn('admin', ADMIN_PASSWORD);
    });
    after(() => p.stop());
    const signIn = (from: string, password: string) =>
      p.req('POST', '/api/v1/session', { body: { username: 'target', password }, headers: { 'x-forwarded-for': from } });

    test('the per-username ceiling across IPs; a client over its own limit does not use it up', async () => {
      await addUser(p, admin, 'target');
      for (const code of [401, 401, 429, 429]) assert.equal((await signIn('10.0.0.1', 'wrong-password')).statusCode, code);
      for (let i = 0; i < 20; i++) assert.equal((await signIn('10.0.0.1', 'wrong-password')).statusCode, 429);
      assert.equal((await signIn('10.0.0.2', 'target-password-1')).statusCode, 200, 'the ceiling was not used up by refused attempts');
      for (const from of ['10.0.0.2', '10.0.0.2', '10.0.0.3']) assert.equal((await signIn(from, 'wrong-password')).statusCode, 401);
      const over = await signIn('10.0.0.4', 'wrong-password');
      assert.equal(over.statusCode, 429, 'the 6th failure from all IPs');
      assert.match(over.json().detail, /too many failed sign-ins for this username/);
      assert.equal((await signIn('10.0.0.5', 'target-password-1')).statusCode, 429, 'the ceiling holds for everyone');
      assert.equal((await p.req('POST', '/api/v1/session', { body: { username: 'admin', password: ADMIN_PASSWORD }, headers: { 'x-forwarded-for': '10.0.0.5' } })).statusCode, 200, 'other usernames are not affected');
    });

    test('one address trying many usernames (password spraying) meets a ceiling of its own; other addresses do not', async () => {
      const spray = (from: string, username: string) =>
        p.req('POST', '/api/v1/session', { body: { username, password: 'Summer2026!' }, headers: { 'x-forwarded-for': from } });
      for (let i = 0; i < 8; i++) assert.equal((await spray('10.9.0.1', `user${i}`)).statusCode, 401);
      const over = await spray('10.9.0.1', 'user8');
      assert.equal(over.statusCode, 429);
      assert.match(over.json().detail, /from your address/);
      assert.ok(Number(over.headers['retry-after']) > 0);
      assert.equal((await p.req('POST', '/api/v1/session', { body: { username: 'admin', password: ADMIN_PASSWORD }, headers: { 'x-forwarded-for': '10.9.0.2' } })).statusCode, 200);
    });

    test('the sign-in pages answer 429 as a page with Retry-After', async () => {
      const form = await p.app.inject({ method: 'GET', url: '/signin?return_to=/device', headers: { 'x-forwarded-for': '10.1.0.1' } });
      const loginCsrf = /name="login_csrf" value="([^"]+)"/.exec(form.body)?.[1] ?? '';
      const send = (password: string) => p.app.inject({
        method: 'POST', url: '/signin',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `patd_login_csrf=${loginCsrf}`, 'x-forwarded-for': '10.1.0.1' },
        payload: new URLSearchParams({ username: 'admin', password, return_to: '/device', login_csrf: loginCsrf }).toString(),
      });
      assert.equal((await send('wrong-password')).statusCode, 401);
      assert.equal((await send('wrong-password')).statusCode, 401);
      const res = await send('wrong-password');
      assert.equal(res.statusCode, 429);
      assert.match(String(res.headers['content-type']), /^text\/html/);
      assert.match(res.body, /try again in \d+ seconds/);
      assertRetryAfter(res.headers['retry-after'], 15 * 60);
    });

    test('the git host and OAuth client authentication count failed checks per IP; 429 in their own formats', async () => {
      const t = await createToken(p, admin, { name: 'git', scopes: ['code:read'] });
      const git = (from: string, secret: string) => p.app.inject({ method: 'GET', url: '/acme/_git/web/info/refs?service=git-upload-pack', headers: { ...basic('', secret), 'x-forwarded-for': from } });
      for (let i = 0; i < 3; i++) assert.equal((await git('10.2.0.1', `patd_wrong${i}`)).statusCode, 401);
      let res = await git('10.2.0.1', t.secret);
      await eventually(async () => (res = await git('10.2.0.1', t.secret)).statusCode === 429, 'git refuses the IP');
      assert.match(String(res.headers['content-type']), /^text\/plain/);
      assert.match(res.body, /^patd: too many failed token checks .*try again in \d+ seconds/);
      assertRetryAfter(res.headers['retry-after'], 60);
      assert.equal((await git('10.2.0.2', t.secret)).statusCode, 404, 'another IP gets on (to a repository that does not exist)');

      const c = await p.clients.add(CTX, 'rs');
      const introspect = (from: string, auth: Record<string, string>, path = '/oauth/introspect') => p.app.inject({
        method: 'POST', url: path, headers: { ...auth, 'x-forwarded-for': from, 'content-type': 'application/x-www-form-urlencoded' }, payload: `token=${t.secret}`,
      });
      for (let i = 0; i < 5; i++) assert.equal((await introspect('10.3.0.1', {})).statusCode, 401, 'no client credentials: not counted');
      for (let i = 0; i < 3; i++) assert.equal((await introspect('10.3.0.1', basic(c.client.id, 'wrong-secret'))).statusCode, 401);
      await eventually(async () => (res = await introspect('10.3.0.1', basic(c.client.id, c.secret))).statusCode === 429, 'introspection refuses the IP');
      assert.equal(res.json().error, 'temporarily_unavailable');
      assertRetryAfter(res.headers['retry-after'], 60);
      assert.equal((await introspect('10.3.0.1', basic(c.client.id, c.secret), '/oauth/revoke')).statusCode, 429);
      assert.equal((await introspect('10.3.0.2', basic(c.client.id, c.secret))).json().active, true);
      // The same IP is blocked for forward-auth too: one count of failed token checks.
      assert.equal((await p.app.inject({ method: 'GET', url: '/auth/verify', headers: { ...bearer(t.secret), 'x-forwarded-for': '10.3.0.1' } })).statusCode, 429);
    });

    test('device authorization requests per IP', async () => {
      const start = (from: string) => p.app.inject({
        method: 'POST', url: '/oauth/device_authorization', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': from }, payload: 'client_id=cli&scope=profile:read',
      });
      assert.equal((await start('10.4.0.1')).statusCode, 200);
      assert.equal((await start('10.4.0.1')).statusCode, 200);
      const res = await start('10.4.0.1');
      assert.equal(res.statusCode, 429);
      assert.equal(res.json().error, 'slow_down');
      assertRetryAfter(res.headers['retry-after'], 15 * 60);
      assert.equal((await start('10.4.0.2')).statusCode, 200);
    });
  });
}
