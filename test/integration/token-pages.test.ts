import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { dialects } from '../helpers/db.js';
import { ADMIN_PASSWORD, type Auth, addUser, createToken, startTestPatd, T0, type TestPatd } from '../helpers/harness.js';
import { type SmtpListener, startSmtp } from '../helpers/smtp.js';

const DAY = 86_400_000;
const form = (b: Record<string, string>) => new URLSearchParams(b).toString();

/** The pages the mails link to: follow the link from a real mail, sign in, renew, revoke. */
for (const dialect of await dialects()) {
  describe(`token pages /tokens and /tokens/{id} (${dialect})`, () => {
    let smtp: SmtpListener;
    let p: TestPatd;
    let alice: { id: string; auth: Auth };
    before(async () => {
      smtp = await startSmtp();
      p = await startTestPatd(dialect, { env: { PATD_SMTP_URL: smtp.url, PATD_PUBLIC_URL: 'https://patd.example.test' } });
      const admin = await p.signIn('admin', ADMIN_PASSWORD);
      alice = await addUser(p, admin, 'alice');
      await addUser(p, admin, 'bob');
    });
    after(async () => {
      await p.stop();
      await smtp.close();
    });
    const get = (url: string, cookie?: string) => p.app.inject({ method: 'GET', url, headers: cookie ? { cookie } : {} });
    const post = (url: string, body: Record<string, string>, cookie?: string) =>
      p.app.inject({ method: 'POST', url, payload: form(body), headers: { 'content-type': 'application/x-www-form-urlencoded', ...(cookie ? { cookie } : {}) } });
    /** Signs in through a page's own form (login CSRF included); returns the session cookie header. */
    const signInVia = async (url: string, username: string, password: string) => {
      const page = await get(url);
      assert.equal(page.statusCode, 200);
      assert.match(page.body, new RegExp(`<form method="post" action="${url.replace(/[/]/g, '\\/')}">`));
      const loginCsrf = /name="login_csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
      const cookie = page.cookies.find((c) => c.name === 'patd_login_csrf');
      assert.equal(cookie?.value, loginCsrf);
      assert.equal(cookie?.path, '/tokens');
      const forged = await post(url, { action: 'signin', username, password, login_csrf: loginCsrf });
      assert.equal(forged.statusCode, 403, 'a sign-in form posted from another site has no login cookie');
      const res = await post(url, { action: 'signin', username, password, login_csrf: loginCsrf }, `patd_login_csrf=${loginCsrf}`);
      assert.equal(res.statusCode, 303, res.body);
      assert.equal(res.headers.location, url);
      const session = res.cookies.find((c) => c.name === 'patd_session');
      assert.ok(session?.httpOnly);
      return `patd_session=${session?.value}`;
    };

    test('the link in the creation mail opens the token; renew and revoke work with the CSRF field', async () => {
      const before = smtp.mails.length;
      const t = await createToken(p, alice.auth, { name: 'laptop <git>', scopes: ['code:read', 'profile:read'], expiresInDays: 7 });
      await p.notifications.outbox.drain();
      const mail = smtp.mails.slice(before).find((m) => m.to.includes('alice@example.test'));
      const link = /https:\/\/patd\.example\.test(\/tokens\/[A-Za-z0-9_]+)/.exec(mail?.text ?? '')?.[1];
      assert.equal(link, `/tokens/${t.id}`);

      const cookie = await signInVia(link, 'alice', 'alice-password-1');
      let res = await get(link, cookie);
      assert.equal(res.statusCode, 200);
      assert.equal(res.headers['x-frame-options'], 'DENY');
      assert.match(res.body, /<h1>Token &#34;laptop &#60;git&#62;&#34;<\/h1>/, 'names are escaped');
      assert.match(res.body, new RegExp(`<code>${t.secret.slice(0, 5)}…${t.secret.slice(-4)}</code>`));
      assert.match(res.body, /<code>code:read<\/code>, <code>profile:read<\/code>/);
      assert.ok(!res.body.includes(t.secret), 'never the secret');
      const csrf = /name="csrf_token" value="([^"]+)"/.exec(res.body)?.[1] ?? '';
      assert.ok(csrf);

      res = await post(link, { action: 'renew', days: '90', csrf_token: 'forged' }, cookie);
      assert.equal(res.statusCode, 403);
      res = await post(link, { action: 'renew', days: '90', csrf_token: csrf }, cookie);
      assert.equal(res.statusCode, 303, 'post/redirect/get: a reload does not renew again');
      assert.equal(res.headers.location, `${link}?done=renewed&days=90`);
      res = await get(res.headers.location as string, cookie);
      assert.match(res.body, /role="status">Renewed: the token now expires at 2027-01-30 12:00:00 UTC\.</);
      assert.match(res.body, /<option value="90" selected>/, 'the renew choice stays selected');
      const renewed = (await p.req('GET', `/api/v1/tokens/${t.id}`, { auth: alice.auth })).json();
      assert.equal(renewed.expiresAt, new Date(T0 + 90 * DAY).toISOString());
      res = await post(link, { action: 'renew', days: '9999', csrf_token: csrf }, cookie);
      assert.equal(res.statusCode, 400);
      assert.match(res.body, /role="alert"/);

      assert.equal((await p.req('GET', '/api/v1/me', { auth: { token: t.secret } })).statusCode, 200);
      res = await post(link, { action: 'revoke' }, cookie);
      assert.equal(res.statusCode, 403, 'no CSRF field, no revocation');
      res = await post(link, { action: 'revoke', csrf_token: csrf }, cookie);
      assert.equal(res.statusCode, 303, res.body);
      res = await get(res.headers.location as string, cookie);
      assert.match(res.body, /The token is revoked/);
      assert.match(res.body, /<dd>revoked at 2026-11-01 12:00:00 UTC \(revoked by owner\)<\/dd>/);
      assert.doesNotMatch(res.body, /value="revoke"/, 'a revoked token offers no actions');
      const used = await p.req('GET', '/api/v1/me', { auth: { token: t.secret } });
      assert.equal(used.json().code, 'token_revoked', 'the token stops at the very next request');
    });

    test("/tokens lists the user's active tokens; another user's token is not found", async () => {
      const mine = await createToken(p, alice.auth, { name: 'ci pipeline', scopes: ['build:read'] });
      const cookie = await signInVia('/tokens', 'bob', 'bob-password-1');
      const list = await get('/tokens', cookie);
      assert.equal(list.statusCode, 200);
      assert.match(list.body, /You have no active tokens/);
      const other = await get(`/tokens/${mine.id}`, cookie);
      assert.equal(other.statusCode, 404);
      assert.doesNotMatch(other.body, /ci pipeline/);
      const page = await get(`/tokens/${mine.id}`, cookie);
      const csrf = /name="csrf_token" value="([^"]+)"/.exec(page.body)?.[1];
      assert.equal(csrf, undefined);
      const revoke = await post(`/tokens/${mine.id}`, { action: 'revoke', csrf_token: 'x' }, cookie);
      assert.equal(revoke.statusCode, 403);
      assert.equal((await p.req('GET', `/api/v1/tokens/${mine.id}`, { auth: alice.auth })).json().status, 'active');

      const aliceCookie = await signInVia('/tokens', 'alice', 'alice-password-1');
      const hers = await get('/tokens', aliceCookie);
      assert.match(hers.body, new RegExp(`<a href="/tokens/${mine.id}">ci pipeline</a>`));
    });

    test('the front door / leads to /tokens', async () => {
      const res = await get('/');
      assert.equal(res.statusCode, 303);
      assert.equal(res.headers.location, '/tokens');
    });

    test('without a session: a sign-in form; wrong passwords are refused on the page', async () => {
      const t = await createToken(p, alice.auth, { name: 'x', scopes: ['code:read'] });
      const page = await get(`/tokens/${t.id}`);
      assert.match(page.body, /name="password"/);
      assert.doesNotMatch(page.body, /name="csrf_token"/);
      const loginCsrf = /name="login_csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
      const wrong = await post(`/tokens/${t.id}`, { action: 'signin', username: 'alice', password: 'nope-nope-nope', login_csrf: loginCsrf }, `patd_login_csrf=${loginCsrf}`);
      assert.equal(wrong.statusCode, 401);
      assert.match(wrong.body, /wrong username or password/);
      assert.match(wrong.body, /name="username" autocomplete="username" value="alice"/, 'the username is kept');
      const noSession = await post(`/tokens/${t.id}`, { action: 'revoke', csrf_token: 'x' });
      assert.equal(noSession.statusCode, 401);
      assert.match(noSession.body, /session has ended/);
    });
  });
}
