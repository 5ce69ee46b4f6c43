import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.js';
import { dialects } from '../helpers/db.js';
import { ADMIN_PASSWORD, type Auth, addUser, startTestPatd, type TestPatd } from '../helpers/harness.js';
import { freePort } from '../helpers/nginx.js';
import { CookieJar, startOidcProvider, type TestOidcProvider } from '../helpers/oidc-provider.js';
import { listen } from '../helpers/sibling.js';

interface Flow {
  /** Every URL the browser was sent to, in order (the provider's and patd's). */
  hops: string[];
  /** The callback URL the provider sent the browser back to. */
  callback: string | undefined;
  /** Where patd finally sent the browser (return_to), if it redirected out of /signin/oidc. */
  location: string | undefined;
  /** The last answer when it was not such a redirect. */
  status: number;
  body: string;
}

/**
 * Drives a browser through the sign-in: /signin/oidc → the provider's /auth → its interactions →
 * back to patd's callback → return_to. Stops when patd redirects out of /signin/oidc or answers a page.
 */
async function browse(base: string, jar: CookieJar, start: string, o: { editCallback?: (u: URL) => void } = {}): Promise<Flow> {
  const hops: string[] = [];
  let url = new URL(start, base).href;
  let callback: string | undefined;
  for (let i = 0; i < 20; i++) {
    if (url.startsWith(`${base}/signin/oidc/callback`)) {
      const u = new URL(url);
      o.editCallback?.(u);
      url = u.href;
      callback = url;
    }
    hops.push(url);
    const res = await fetch(url, { redirect: 'manual', headers: { cookie: jar.header(url) } });
    jar.store(res);
    const loc = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && loc) {
      await res.arrayBuffer();
      if (url === callback) return { hops, callback, location: loc, status: res.status, body: '' };
      url = new URL(loc, url).href;
      continue;
    }
    return { hops, callback, location: undefined, status: res.status, body: await res.text() };
  }
  throw new Error(`too many redirects: ${hops.join(' → ')}`);
}

const sessionOf = (jar: CookieJar): { cookie: string; csrf: string } => ({ cookie: jar.get('patd_session') ?? '', csrf: '' });

test('PATD_OIDC_ISSUER must be https, or http on loopback', () => {
  const env = { PATD_SECRET: 'x'.repeat(32), PATD_OIDC_CLIENT_ID: 'c', PATD_OIDC_CLIENT_SECRET: 's' };
  assert.throws(() => loadConfig({ ...env, PATD_OIDC_ISSUER: 'http://idp.example.com' }), (e: Error) => e instanceof ConfigError && /PATD_OIDC_ISSUER must be an https URL/.test(e.message));
  assert.throws(() => loadConfig({ ...env, PATD_OIDC_ISSUER: 'not a url' }), ConfigError);
  assert.throws(() => loadConfig({ PATD_SECRET: 'x'.repeat(32), PATD_OIDC_ISSUER: 'https://idp.example.com' }), /needs PATD_OIDC_CLIENT_ID/);
  assert.equal(loadConfig({ ...env, PATD_OIDC_ISSUER: 'https://idp.example.com/realms/x' }).oidc?.issuer, 'https://idp.example.com/realms/x');
  assert.equal(loadConfig({ ...env, PATD_OIDC_ISSUER: 'http://127.0.0.1:9000' }).oidc?.clientId, 'c');
});

for (const dialect of await dialects()) {
  describe(`OpenID Connect sign-in (${dialect})`, () => {
    let idp: TestOidcProvider;
    let p: TestPatd;
    let plain: TestPatd;
    let base: string;
    let admin: Auth;

    before(async () => {
      const port = await freePort();
      base = `http://127.0.0.1:${port}`;
      idp = await startOidcProvider(`${base}/signin/oidc/callback`);
      p = await startTestPatd(dialect, {
        env: { PATD_PUBLIC_URL: base, PATD_OIDC_ISSUER: idp.issuer, PATD_OIDC_CLIENT_ID: idp.clientId, PATD_OIDC_CLIENT_SECRET: idp.clientSecret },
      });
      assert.equal(await listen(p, port), base);
      plain = await startTestPatd(dialect);
      admin = await p.signIn('admin', ADMIN_PASSWORD);
      idp.accounts.set('sub-alice', { claims: { email: 'alice@corp.example', email_verified: true, preferred_username: 'Alice', name: 'Alice Liddell' } });
    });
    after(async () => {
      await p?.stop();
      await plain?.stop();
      await idp?.close();
    });

    /** A fresh browser that signs in at the provider as `sub`. */
    const signInAs = async (sub: string, returnTo = '/tokens') => {
      idp.next = { login: sub };
      const jar = new CookieJar();
      const flow = await browse(base, jar, `/signin/oidc?return_to=${encodeURIComponent(returnTo)}`);
      return { jar, flow };
    };

    test('first sign-in creates the user; the session cookie works on the API; a second sign-in is the same user, whatever the email says', async () => {
      const { jar, flow } = await signInAs('sub-alice');
      assert.equal(flow.location, '/tokens', `${flow.status} ${flow.body}`);
      const start = new URL(flow.hops[1]!);
      assert.equal(start.origin, idp.issuer, 'sent to the provider');
      assert.equal(start.searchParams.get('scope'), 'openid email profile');
      assert.equal(start.searchParams.get('code_challenge_method'), 'S256');
      assert.ok(start.searchParams.get('state') && start.searchParams.get('nonce'));
      assert.equal(start.searchParams.get('redirect_uri'), `${base}/signin/oidc/callback`);
      assert.equal(jar.get('patd_oidc'), undefined, 'the state cookie is gone after the callback');

      const auth = sessionOf(jar);
      const who = await p.req('GET', '/api/v1/session', { auth });
      assert.equal(who.statusCode, 200, who.body);
      const u = who.json().user;
      assert.deepEqual([u.username, u.email, u.displayName, u.admin], ['alice', 'alice@corp.example', 'Alice Liddell', false]);
      const me = await p.req('GET', '/api/v1/me', { auth });
      assert.equal(me.statusCode, 200);
      assert.equal(me.json().user.id, u.id);
      assert.equal(me.json().token, undefined, 'a session, not a token');
      const page = await fetch(`${base}/tokens`, { headers: { cookie: jar.header(`${base}/tokens`) } });
      assert.match(await page.text(), /Signed in as <strong[^>]*>alice<\/strong>/);
      // The account has no password: password sign-in does not work for it.
      assert.equal((await p.req('POST', '/api/v1/session', { body: { username: 'alice', password: 'anything-at-all' } })).statusCode, 401);

      idp.accounts.set('sub-alice', { claims: { email: 'alice.new@corp.example', email_verified: true, preferred_username: 'alice2', name: 'Alice L.' } });
      const again = await signInAs('sub-alice');
      assert.equal(again.flow.location, '/tokens');
      const who2 = (await p.req('GET', '/api/v1/session', { auth: sessionOf(again.jar) })).json().user;
      assert.equal(who2.id, u.id, 'linked by issuer and subject, not by email or username');
      assert.equal(who2.username, 'alice');
      assert.equal(who2.email, 'alice@corp.example', 'the patd profile is kept');
      assert.notEqual(sessionOf(again.jar).cookie, auth.cookie, 'a new session');
    });

    test('the audit shows user.created by the oidc actor and session.created with method oidc', async () => {
      const { jar } = await signInAs('sub-alice');
      const events = (await p.req('GET', '/api/v1/me/audit?limit=50', { auth: sessionOf(jar) })).json().items as { action: string; actor: { type: string; name: string }; details: Record<string, unknown> }[];
      const created = events.filter((e) => e.action === 'user.created');
      assert.equal(created.length, 1);
      assert.deepEqual([created[0]!.actor.type, created[0]!.actor.name, created[0]!.details.method, created[0]!.details.issuer], ['system', 'oidc', 'oidc', idp.issuer]);
      const sessions = events.filter((e) => e.action === 'session.created');
      assert.ok(sessions.length >= 3);
      assert.ok(sessions.every((e) => e.details.method === 'oidc' && e.details.issuer === idp.issuer && e.actor.type === 'user'));
      const pw = await p.req('GET', '/api/v1/me/audit?action=session.created&limit=5', { auth: admin });
      assert.equal(pw.json().items[0].details.method, 'password', 'password sign-ins say so too');
    });

    test('a username that is taken gets a suffix; without preferred_username the email local part is used', async () => {
      await addUser(p, admin, 'carol');
      idp.accounts.set('sub-carol', { claims: { email: 'carol@corp.example', preferred_username: 'Carol' } });
      let who = (await p.req('GET', '/api/v1/session', { auth: sessionOf((await signInAs('sub-carol')).jar) })).json().user;
      assert.equal(who.username, 'carol-2');
      idp.accounts.set('sub-carol-b', { claims: { email: 'carol@other.example', preferred_username: 'carol@contoso.example' } });
      who = (await p.req('GET', '/api/v1/session', { auth: sessionOf((await signInAs('sub-carol-b')).jar) })).json().user;
      assert.equal(who.username, 'carol-3', 'an address-like preferred_username (Entra) gives its local part');
      idp.accounts.set('sub-frank', { claims: { email: 'Frank.Jones+patd@corp.example' } });
      who = (await p.req('GET', '/api/v1/session', { auth: sessionOf((await signInAs('sub-frank')).jar) })).json().user;
      assert.deepEqual([who.username, who.displayName], ['frank.jones-patd', 'frank.jones-patd']);
    });

    test('claims the ID token lacks are read from userinfo', async () => {
      idp.accounts.set('sub-uma', { userinfoOnly: true, claims: { email: 'uma@corp.example', preferred_username: 'uma', name: 'Uma Info' } });
      const { jar, flow } = await signInAs('sub-uma');
      assert.equal(flow.location, '/tokens', flow.body);
      const who = (await p.req('GET', '/api/v1/session', { auth: sessionOf(jar) })).json().user;
      assert.deepEqual([who.username, who.email, who.displayName], ['uma', 'uma@corp.example', 'Uma Info']);
    });

    test('no email from the provider: a clear 400 page and no account', async () => {
      idp.accounts.set('sub-noemail', { claims: { preferred_username: 'nomail', name: 'No Mail' } });
      const { jar, flow } = await signInAs('sub-noemail');
      assert.equal(flow.status, 400);
      assert.match(flow.body, /did not share an email address/);
      assert.equal(jar.get('patd_session'), undefined);
      const users = (await p.req('GET', '/api/v1/users?limit=200', { auth: admin })).json().items as { username: string }[];
      assert.ok(!users.some((x) => x.username === 'nomail'));
    });

    test('a disabled patd user is refused', async () => {
      idp.accounts.set('sub-dora', { claims: { email: 'dora@corp.example', preferred_username: 'dora' } });
      const first = await signInAs('sub-dora');
      const dora = (await p.req('GET', '/api/v1/session', { auth: sessionOf(first.jar) })).json().user;
      const res = await p.req('PATCH', `/api/v1/users/${dora.id}`, { auth: admin, body: { disabled: true } });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal((await p.req('GET', '/api/v1/session', { auth: sessionOf(first.jar) })).statusCode, 401, 'disabling ended the session');
      const { jar, flow } = await signInAs('sub-dora');
      assert.equal(flow.status, 401);
      assert.match(flow.body, /account is disabled/);
      assert.equal(jar.get('patd_session'), undefined);
      const failed = await p.store.r.audit.query({ action: 'session.failed', subjectUserId: dora.id, order: 'desc' }, { limit: 5, cursor: null });
      assert.deepEqual(failed.items.map((e) => e.details), [{ reason: 'disabled', method: 'oidc' }]);
    });

    test('a tampered or missing state is refused with 400; so is a sealed cookie that was changed', async () => {
      idp.next = { login: 'sub-alice' };
      let jar = new CookieJar();
      let flow = await browse(base, jar, '/signin/oidc?return_to=/tokens', { editCallback: (u) => u.searchParams.set('state', `${u.searchParams.get('state')}x`) });
      assert.equal(flow.status, 400);
      assert.match(flow.body, /was not started in this browser, has expired/);
      assert.equal(jar.get('patd_session'), undefined);

      jar = new CookieJar();
      flow = await browse(base, jar, '/signin/oidc', { editCallback: (u) => u.searchParams.delete('state') });
      assert.equal(flow.status, 400);

      // The callback opened in another browser (no state cookie): 400.
      jar = new CookieJar();
      flow = await browse(base, jar, '/signin/oidc', {
        editCallback: () => jar.cookies.delete('patd_oidc'),
      });
      assert.equal(flow.status, 400);

      jar = new CookieJar();
      flow = await browse(base, jar, '/signin/oidc', {
        editCallback: () => {
          const c = jar.cookies.get('patd_oidc')!;
          c.value = `${c.value.slice(0, -2)}${c.value.endsWith('A') ? 'B' : 'A'}A`;
        },
      });
      assert.equal(flow.status, 400);
      assert.equal(jar.get('patd_session'), undefined);
    });

    test('a code used twice fails the token exchange: 401 page, no session', async () => {
      idp.next = { login: 'sub-alice' };
      const jar = new CookieJar();
      let kept = '';
      const flow = await browse(base, jar, '/signin/oidc', {
        editCallback: () => {
          kept = jar.get('patd_oidc') ?? '';
        },
      });
      assert.equal(flow.location, '/');
      assert.ok(jar.get('patd_session'));
      // Replay the callback with a copy of its state cookie: state and PKCE match, the code is spent.
      const replay = await fetch(flow.callback!, { redirect: 'manual', headers: { cookie: `patd_oidc=${kept}` } });
      assert.equal(replay.status, 401);
      assert.match(await replay.text(), /did not accept the sign-in \(invalid_grant\)/);
      assert.ok(!replay.headers.getSetCookie().some((c) => c.startsWith('patd_session=')));
    });

    test('error=access_denied from the provider shows a clear page', async () => {
      idp.next = { deny: true };
      const jar = new CookieJar();
      const flow = await browse(base, jar, '/signin/oidc?return_to=/device');
      assert.match(flow.callback ?? '', /[?&]error=access_denied/);
      assert.equal(flow.status, 401);
      assert.match(flow.body, /<h1>Sign-in failed<\/h1>/);
      assert.match(flow.body, /sign-in was cancelled or access was denied at the identity provider/);
      assert.match(flow.body, /href="\/signin\/oidc\?return_to=%2Fdevice"/, 'offers to start again, back to the same page');
      assert.equal(jar.get('patd_session'), undefined);
    });

    test('return_to must be a path on patd: //evil.example and /\\evil.example go to /', async () => {
      for (const bad of ['//evil.example/x', '/\\evil.example', 'https://evil.example/', 'tokens', '/to kens']) {
        const { flow } = await signInAs('sub-alice', bad);
        assert.equal(flow.location, '/', bad);
      }
      const { flow } = await signInAs('sub-alice', '/device?user_code=ABCD-EFGH');
      assert.equal(flow.location, '/device?user_code=ABCD-EFGH');
    });

    test('the sign-in pages offer "Sign in with SSO" back to the page, only when OIDC is configured', async () => {
      let res = await p.app.inject({ method: 'GET', url: '/tokens' });
      assert.match(res.body, /<a class="btn btn-secondary btn-block sso" href="\/signin\/oidc\?return_to=%2Ftokens">Sign in with SSO<\/a>/);
      res = await p.app.inject({ method: 'GET', url: '/device?user_code=ABCD-EFGH' });
      assert.match(res.body, /href="\/signin\/oidc\?return_to=%2Fdevice%3Fuser_code%3DABCD-EFGH">Sign in with SSO/);
      assert.match(res.body, /name="password"/, 'the password form is still there');
      for (const url of ['/tokens', '/device', '/tokens/tok_x']) {
        res = await plain.app.inject({ method: 'GET', url });
        assert.equal(res.statusCode, 200);
        assert.doesNotMatch(res.body, /SSO|signin\/oidc/, url);
      }
    });

    test('without PATD_OIDC_* the routes do not exist: 404 problem', async () => {
      for (const url of ['/signin/oidc?return_to=/tokens', '/signin/oidc/callback?code=x&state=y']) {
        const res = await plain.app.inject({ method: 'GET', url });
        assert.equal(res.statusCode, 404);
        assert.equal(res.json().code, 'not_found');
      }
    });

    test('a provider that cannot be reached: 503 page, not 500', async () => {
      const q = await startTestPatd(dialect, { env: { PATD_OIDC_ISSUER: `http://127.0.0.1:${await freePort()}`, PATD_OIDC_CLIENT_ID: 'x', PATD_OIDC_CLIENT_SECRET: 'secret-of-x' } });
      try {
        const res = await q.app.inject({ method: 'GET', url: '/signin/oidc' });
        assert.equal(res.statusCode, 503);
        assert.match(res.body, /identity provider could not be reached/);
        assert.doesNotMatch(q.logs.join(''), /secret-of-x/);
      } finally {
        await q.stop();
      }
    });

    test('nothing secret in the logs, the pages or the audit: no code, token or client secret', async () => {
      const { flow } = await signInAs('sub-alice');
      const code = new URL(flow.callback!).searchParams.get('code')!;
      assert.ok(code.length > 10);
      const secrets = [code, idp.clientSecret];
      for (const body of idp.tokenResponses) {
        const t = JSON.parse(body) as Record<string, string>;
        for (const k of ['access_token', 'id_token', 'refresh_token']) if (t[k]) secrets.push(t[k]);
      }
      assert.ok(secrets.length >= 4, 'codes, access and ID tokens were seen');
      const logs = p.logs.join('');
      assert.match(logs, /signin\/oidc\/callback\?code=\[redacted\]/, 'the callback is logged, without its code');
      const audit = JSON.stringify(await p.store.r.audit.query({ order: 'desc' }, { limit: 1000, cursor: null }));
      for (const s of secrets) {
        assert.ok(!logs.includes(s), 'a secret in the logs');
        assert.ok(!audit.includes(s), 'a secret in the audit log');
      }
    });
  });
}
