import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { dialects } from '../helpers/db.js';
import { ADMIN_PASSWORD, type Auth, addUser, createToken, startTestPatd, T0, type TestPatd } from '../helpers/harness.js';
import { type SmtpListener, startSmtp } from '../helpers/smtp.js';

const DAY = 86_400_000;
const form = (b: Record<string, string | string[]>) => {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(b)) for (const x of Array.isArray(v) ? v : [v]) q.append(k, x);
  return q.toString();
};
const csrfOf = (body: string) => /name="csrf_token" value="([^"]+)"/.exec(body)?.[1] ?? '';
const jar = (res: LightMyRequestResponse, name: string) => res.cookies.find((c) => c.name === name);

/** The pages without a browser: follow the link from a real mail, sign in, renew, revoke; create; the secret once; 404s. */
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
    const get = (url: string, cookie?: string, accept = 'text/html') => p.app.inject({ method: 'GET', url, headers: { accept, ...(cookie ? { cookie } : {}) } });
    const post = (url: string, body: Record<string, string | string[]>, cookie?: string) =>
      p.app.inject({ method: 'POST', url, payload: form(body), headers: { 'content-type': 'application/x-www-form-urlencoded', ...(cookie ? { cookie } : {}) } });
    /** Signs in through the form a signed-out browser gets at `url` (login CSRF included); returns the session cookie header. */
    const signInVia = async (url: string, username: string, password: string) => {
      const page = await get(url);
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /<form method="post" action="\/signin"/);
      assert.match(page.body, new RegExp(`name="return_to" value="${url.replace(/[/?]/g, (c) => `\\${c}`)}"`));
      const loginCsrf = /name="login_csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
      const cookie = jar(page, 'patd_login_csrf');
      assert.equal(cookie?.value, loginCsrf);
      assert.equal(cookie?.path, '/');
      assert.equal(cookie?.sameSite, 'Strict');
      const forged = await post('/signin', { username, password, login_csrf: loginCsrf, return_to: url });
      assert.equal(forged.statusCode, 403, 'a sign-in form posted from another site has no login cookie');
      assert.equal(jar(forged, 'patd_session'), undefined);
      const res = await post('/signin', { username, password, login_csrf: loginCsrf, return_to: url }, `patd_login_csrf=${loginCsrf}`);
      assert.equal(res.statusCode, 303, res.body);
      assert.equal(res.headers.location, url);
      const session = jar(res, 'patd_session');
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
      assert.equal(res.headers['cache-control'], 'no-store');
      assert.doesNotMatch(res.headers['content-security-policy'] as string, /unsafe-inline/);
      assert.match(res.body, /<h1>laptop &lt;git><\/h1>/, 'names are escaped');
      assert.match(res.body, new RegExp(`<code>${t.secret.slice(0, 5)}…${t.secret.slice(-4)}</code>`));
      assert.match(res.body, /<code>code:read<\/code><code>profile:read<\/code>/);
      assert.ok(!res.body.includes(t.secret), 'never the secret');
      const csrf = csrfOf(res.body);
      assert.ok(csrf);

      res = await post(`${link}/renew`, { days: '90', csrf_token: 'forged' }, cookie);
      assert.equal(res.statusCode, 403);
      res = await post(`${link}/renew`, { days: '90', csrf_token: csrf }, cookie);
      assert.equal(res.statusCode, 303, 'post/redirect/get: a reload does not renew again');
      assert.equal(res.headers.location, `${link}?done=renewed&days=90`);
      res = await get(res.headers.location as string, cookie);
      assert.match(res.body, /role="status">The token is renewed\.</);
      assert.match(res.body, /<option value="90" selected>/, 'the renew choice stays selected');
      const renewed = (await p.req('GET', `/api/v1/tokens/${t.id}`, { auth: alice.auth })).json();
      assert.equal(renewed.expiresAt, new Date(T0 + 90 * DAY).toISOString());
      res = await post(`${link}/renew`, { days: '9999', csrf_token: csrf }, cookie);
      assert.equal(res.statusCode, 400);
      assert.match(res.body, /role="alert">The token was not renewed: a token may live at most 365 days\./);

      assert.equal((await p.req('GET', '/api/v1/me', { auth: { token: t.secret } })).statusCode, 200);
      res = await get(`${link}/revoke`, cookie);
      assert.equal(res.statusCode, 200, 'revoking asks first');
      assert.match(res.body, /Revoke “laptop &lt;git>”\?/);
      res = await post(`${link}/revoke`, {}, cookie);
      assert.equal(res.statusCode, 403, 'no CSRF field, no revocation');
      res = await post(`${link}/revoke`, { csrf_token: csrf }, cookie);
      assert.equal(res.statusCode, 303, res.body);
      res = await get(res.headers.location as string, cookie);
      assert.match(res.body, /The token is revoked/);
      assert.match(res.body, /badge-revoked/);
      assert.doesNotMatch(res.body, /\/revoke"|\/renew"|\/edit"/, 'a revoked token offers no actions');
      const used = await p.req('GET', '/api/v1/me', { auth: { token: t.secret } });
      assert.equal(used.json().code, 'token_revoked', 'the token stops at the very next request');
    });

    test("/tokens lists the user's tokens by status and search; another user's token is an HTML 404", async () => {
      const mine = await createToken(p, alice.auth, { name: 'ci pipeline', scopes: ['build:read'] });
      const cookie = await signInVia('/tokens', 'bob', 'bob-password-1');
      const list = await get('/tokens', cookie);
      assert.equal(list.statusCode, 200);
      assert.match(list.body, /You have no active tokens/);
      assert.match(list.body, /<a class="btn btn-primary" href="\/tokens\/new">New token<\/a>/, 'the empty state leads to New token');
      for (const url of [`/tokens/${mine.id}`, `/tokens/${mine.id}/edit`, `/tokens/${mine.id}/revoke`, `/tokens/${mine.id}/secret`]) {
        const other = await get(url, cookie);
        assert.equal(other.statusCode, 404, url);
        assert.match(other.headers['content-type'] as string, /text\/html/);
        assert.doesNotMatch(other.body, /ci pipeline/);
      }
      const csrf = csrfOf(list.body);
      const revoke = await post(`/tokens/${mine.id}/revoke`, { csrf_token: csrf }, cookie);
      assert.equal(revoke.statusCode, 404);
      assert.equal((await p.req('GET', `/api/v1/tokens/${mine.id}`, { auth: alice.auth })).json().status, 'active');

      const aliceCookie = await signInVia('/tokens', 'alice', 'alice-password-1');
      const hers = await get('/tokens', aliceCookie);
      assert.match(hers.body, new RegExp(`<a class="token-name" href="/tokens/${mine.id}">ci pipeline</a>`));
      assert.doesNotMatch(hers.body, /laptop &lt;git>/, 'revoked tokens are not in the active list');
      assert.match((await get('/tokens?status=revoked', aliceCookie)).body, /laptop &lt;git>/);
      assert.match((await get('/tokens?status=all&q=PIPE', aliceCookie)).body, /ci pipeline/);
      assert.doesNotMatch((await get('/tokens?status=all&q=nothing-like-it', aliceCookie)).body, /ci pipeline/);
    });

    test('New token: the form, a refusal tied to its field that keeps what was typed, then the secret once', async () => {
      const admin = await p.signIn('admin', ADMIN_PASSWORD);
      await p.req('POST', '/api/v1/orgs', { auth: alice.auth, body: { name: 'acme' } });
      await p.req('PUT', '/api/v1/orgs/acme/policy', { auth: admin, body: { maxLifetimeDays: 90, allowFullAccess: false } });
      const cookie = await signInVia('/tokens/new', 'alice', 'alice-password-1');
      let res = await get('/tokens/new', cookie);
      assert.equal(res.statusCode, 200);
      assert.match(res.body, /<option value="90" data-days="90">/);
      assert.match(res.body, /<option value="365" data-days="365" hidden disabled>/, 'no 365-day preset where the org allows 90');
      assert.match(res.body, /<label class="choice" hidden><input type="radio" name="access" value="full" disabled/, 'no full access where forbidden');
      const csrf = csrfOf(res.body);
      const typed = { name: 'deploy <key>', orgs_mode: 'some', org: 'acme', expires: '365', access: 'custom', scope: ['code:read', 'profile:read'], action: 'create' };

      res = await post('/tokens/new', typed, cookie);
      assert.equal(res.statusCode, 403, 'no CSRF field, no token');
      res = await post('/tokens/new', { ...typed, csrf_token: csrf }, cookie);
      assert.equal(res.statusCode, 403, 'the server refuses what the form did not offer');
      assert.match(res.body, /<p id="expires-error" class="field-error"><span class="visually-hidden">Error: <\/span>Org &quot;acme&quot; accepts tokens that expire within 90 days\.<\/p>/);
      assert.match(res.body, /aria-describedby="expires-hint expires-error" aria-invalid="true"/);
      assert.match(res.body, /<a href="#expires">Org &quot;acme&quot; accepts tokens/, 'the summary links to the field');
      assert.match(res.body, /name="name" value="deploy &lt;key>"/, 'the form keeps what was typed');
      assert.match(res.body, /value="code:read" checked/);
      res = await post('/tokens/new', { ...typed, access: 'full', expires: '30', csrf_token: csrf }, cookie);
      assert.equal(res.statusCode, 403);
      assert.match(res.body, /id="f-scopes-error" class="field-error">.*does not accept full-access/);

      res = await post('/tokens/new', { ...typed, expires: '60', csrf_token: csrf }, cookie);
      assert.equal(res.statusCode, 303, res.body);
      const secretUrl = res.headers.location as string;
      assert.match(secretUrl, /^\/tokens\/tok_[A-Za-z0-9]+\/secret$/);
      const once = jar(res, 'patd_new_secret');
      assert.ok(once?.httpOnly && once.path === secretUrl && once.secure, 'sealed in a short-lived cookie for that page only');
      const both = `${cookie}; patd_new_secret=${once?.value}`;
      res = await get(secretUrl, both);
      assert.equal(res.statusCode, 200);
      assert.equal(res.headers['cache-control'], 'no-store');
      const secret = /id="secret-value" class="secret-value" type="text" readonly value="([^"]+)"/.exec(res.body)?.[1] ?? '';
      assert.match(secret, /^patd_[0-9A-Za-z]{49}$/);
      assert.ok(res.body.includes(`curl -u :${secret} https://patd.example.test/api/v1/me`));
      assert.ok(res.body.includes('git clone https://patd.example.test/acme/_git/REPO'));
      assert.equal(jar(res, 'patd_new_secret')?.value, '', 'the page forgets it as it shows it');
      const me = await p.req('GET', '/api/v1/tokens/self', { auth: { token: secret } });
      assert.equal(me.json().createdVia, 'web');
      assert.equal(me.json().name, 'deploy <key>');
      res = await get(secretUrl, cookie);
      assert.ok(!res.body.includes(secret), 'a reload does not show it again');
      assert.match(res.body, /The secret is no longer shown/);
    });

    test('sign-in with several tabs: every form shares the login-CSRF value; sign-out ends the session', async () => {
      const first = await get('/tokens');
      const value = /name="login_csrf" value="([^"]+)"/.exec(first.body)?.[1] ?? '';
      const kept = `patd_login_csrf=${value}`;
      const second = await get('/tokens/new', kept);
      assert.equal(/name="login_csrf" value="([^"]+)"/.exec(second.body)?.[1], value, 'the second tab reuses the value');
      assert.equal(jar(second, 'patd_login_csrf'), undefined, 'and does not overwrite the cookie');
      const res = await post('/signin', { username: 'alice', password: 'alice-password-1', login_csrf: value, return_to: '/tokens' }, kept);
      assert.equal(res.statusCode, 303, 'the first tab signs in');
      const session = `patd_session=${jar(res, 'patd_session')?.value}`;
      assert.equal(jar(res, 'patd_login_csrf')?.value, '', 'the value is retired at sign-in');
      const late = await post('/signin', { username: 'alice', password: 'alice-password-1', login_csrf: value, return_to: '/tokens/new' }, session);
      assert.equal(late.statusCode, 303, 'the second tab, already signed in, just goes on');
      assert.equal(late.headers.location, '/tokens/new');

      const page = await get('/tokens', session);
      assert.match(page.body, /<form method="post" action="\/signout">/);
      assert.equal((await post('/signout', {}, session)).statusCode, 403, 'signing out needs the CSRF field');
      const out = await post('/signout', { csrf_token: csrfOf(page.body) }, session);
      assert.equal(out.statusCode, 303);
      assert.equal(out.headers.location, '/signin?done=signed-out');
      assert.match((await get('/signin?done=signed-out')).body, /You are signed out/);
      assert.match((await get('/tokens', session)).body, /name="password"/, 'the session has ended');
    });

    test('the list pages: 25 a page, a next-page link, then the rest', async () => {
      const admin = await p.signIn('admin', ADMIN_PASSWORD);
      const carol = await addUser(p, admin, 'carol');
      for (let i = 0; i < 27; i++) {
        await createToken(p, carol.auth, { name: `token ${String(i).padStart(2, '0')}`, scopes: ['code:read'] });
        p.clock.advance(1000);
      }
      const cookie = 'cookie' in carol.auth ? `patd_session=${carol.auth.cookie}` : '';
      const first = await get('/tokens', cookie);
      assert.equal((first.body.match(/class="token-name"/g) ?? []).length, 25);
      assert.match(first.body, />token 26</);
      const next = /<a href="(\/tokens\?cursor=[^"]+)" rel="next">Next page<\/a>/.exec(first.body)?.[1];
      assert.ok(next, 'a next-page link');
      const second = await get(next.replace(/&amp;/g, '&'), cookie);
      assert.equal((second.body.match(/class="token-name"/g) ?? []).length, 2);
      assert.match(second.body, />token 00</);
      assert.match(second.body, /<a href="\/tokens">First page<\/a>/);
      assert.doesNotMatch(second.body, /rel="next"/);
      assert.equal((await get('/tokens?cursor=garbage', cookie)).statusCode, 200, 'a bad cursor shows the first page');
    });

    test('the front door / leads to /tokens; unknown pages are an HTML 404 for browsers, problem details for the API', async () => {
      const res = await get('/');
      assert.equal(res.statusCode, 303);
      assert.equal(res.headers.location, '/tokens');
      const page = await get('/no/such/page');
      assert.equal(page.statusCode, 404);
      assert.match(page.headers['content-type'] as string, /text\/html/);
      assert.match(page.body, /<h1>Page not found<\/h1>/);
      const api = await get('/no/such/page', undefined, 'application/json');
      assert.equal(api.statusCode, 404);
      assert.equal(api.json().code, 'not_found');
      const apiHtml = await get('/api/v1/nothing', undefined, 'text/html');
      assert.match(apiHtml.headers['content-type'] as string, /problem\+json/, 'the API stays JSON');
      const asset = await get('/assets/app.0000.css');
      assert.equal(asset.statusCode, 404);
      const css = /href="(\/assets\/app\.[0-9a-f]+\.css)"/.exec(page.body)?.[1] ?? '';
      const served = await get(css);
      assert.equal(served.statusCode, 200);
      assert.match(served.headers['cache-control'] as string, /immutable/);
    });

    test('without a session: a sign-in form; wrong passwords are refused on the page', async () => {
      const t = await createToken(p, alice.auth, { name: 'x', scopes: ['code:read'] });
      const page = await get(`/tokens/${t.id}`);
      assert.match(page.body, /name="password"/);
      assert.match(page.body, /<h1>Sign in to see your token<\/h1>/);
      assert.doesNotMatch(page.body, /name="csrf_token"/);
      const loginCsrf = /name="login_csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
      const wrong = await post('/signin', { username: 'alice', password: 'nope-nope-nope', login_csrf: loginCsrf, return_to: `/tokens/${t.id}` }, `patd_login_csrf=${loginCsrf}`);
      assert.equal(wrong.statusCode, 401);
      assert.match(wrong.body, /Wrong username or password/);
      assert.match(wrong.body, /name="username" value="alice"/, 'the username is kept');
      const noSession = await post(`/tokens/${t.id}/revoke`, { csrf_token: 'x' });
      assert.equal(noSession.statusCode, 401);
      assert.match(noSession.body, /session has ended/);
    });
  });
}
