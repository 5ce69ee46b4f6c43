import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { PasswordHasher } from '../../src/core/ports.js';
import { dialects } from '../helpers/db.js';
import { expectProblem } from '../helpers/route-expect.js';
import { buildWorld, cheapHasher, type World } from '../helpers/security-world.js';

/**
 * Attacks on the running service that are not one check per route: flooding a person with
 * invitation mail, spoofed client addresses without a trusted proxy, open redirects in
 * return_to, cookie attributes, and telling usernames apart by the sign-in answer or its cost.
 */
for (const dialect of await dialects()) {
  describe(`attacks on the running service (${dialect})`, () => {
    let w: World;
    let verifies = 0;
    const counting: PasswordHasher = {
      hash: cheapHasher.hash,
      verify: (h, pw) => {
        verifies++;
        return cheapHasher.verify(h, pw);
      },
    };
    before(async () => {
      w = await buildWorld(dialect, { env: { PATD_PUBLIC_URL: 'https://patd.example.test' }, hasher: counting });
    });
    after(() => w.stop());

    const B = () => ({ cred: { session: w.bob.session } });
    const invitationMails = async (to: string) => {
      const res = await w.call('GET', '/api/v1/admin/outbox?limit=200', { cred: { session: w.admin.session } });
      return (res.json().items as { event: string; to: string[] | null }[]).filter((m) => m.event === 'org.invited' && m.to?.includes(to)).length;
    };

    test('inviting and withdrawing a thousand times does not flood the invitee\'s inbox; the last invitation still stands', async () => {
      const before = await invitationMails('mallory@example.test');
      let last = '';
      for (let i = 0; i < 30; i++) {
        const inv = await w.call('POST', '/api/v1/orgs/beta/invitations', { ...B(), json: { username: 'mallory', role: 'member' } });
        assert.equal(inv.statusCode, 201, inv.body);
        last = inv.json().id;
        if (i < 29) assert.equal((await w.call('DELETE', `/api/v1/orgs/beta/invitations/${last}`, B())).statusCode, 204);
      }
      const sent = (await invitationMails('mallory@example.test')) - before;
      assert.ok(sent >= 1 && sent <= 5, `${sent} invitation mails to one person from one inviter in a day`);
      const mine = (await w.call('GET', '/api/v1/me/invitations', { cred: { session: w.mallory.session } })).json().items.map((i: { id: string }) => i.id);
      assert.deepEqual(mine, [last]);
      // Another inviter (another org's owner) still reaches them.
      const other = await w.call('POST', '/api/v1/orgs/acme/invitations', { cred: { session: w.alice.session }, json: { username: 'mallory', role: 'member' } });
      assert.equal(other.statusCode, 201);
      assert.equal((await invitationMails('mallory@example.test')) - before, sent + 1);
    });

    test('an org cannot register webhooks without end: every event would be sent to each (an amplifier), the 21st is 409', async () => {
      const hooks = '/api/v1/orgs/gamma/webhooks';
      const have = (await w.call('GET', hooks, B())).json().items.length;
      for (let i = have; i < 20; i++) assert.equal((await w.call('POST', hooks, { ...B(), json: { url: `https://victim.example/${i}` } })).statusCode, 201);
      const more = await w.call('POST', hooks, { ...B(), json: { url: 'https://victim.example/21' } });
      expectProblem(more, 409, 'conflict', 'a 21st webhook');
      assert.ok(!('secret' in more.json()));
      assert.equal((await w.call('GET', `${hooks}?limit=200`, B())).json().items.length, 20);
      // Another org is not affected, and deleting one makes room.
      assert.equal((await w.call('POST', '/api/v1/orgs/beta/webhooks', { ...B(), json: { url: 'https://victim.example/beta' } })).statusCode, 201);
      const one = (await w.call('GET', hooks, B())).json().items[0].id;
      assert.equal((await w.call('DELETE', `${hooks}/${one}`, B())).statusCode, 204);
      assert.equal((await w.call('POST', hooks, { ...B(), json: { url: 'https://victim.example/again' } })).statusCode, 201);
    });

    test('without PATD_TRUST_PROXY, X-Forwarded-For and X-Real-IP change nothing: not the sign-in limit, the IP allow-list or the recorded address', async () => {
      for (let i = 0; i < 10; i++) {
        const res = await w.call('POST', '/api/v1/session', { json: { username: 'erin', password: 'wrong-password' }, headers: { 'x-forwarded-for': `203.0.113.${i}`, 'x-real-ip': `198.51.100.${i}` } });
        assert.equal(res.statusCode, 401);
      }
      const locked = await w.call('POST', '/api/v1/session', { json: { username: 'erin', password: 'erin-password-1' }, headers: { 'x-forwarded-for': '203.0.113.99' } });
      expectProblem(locked, 429, 'rate_limited', 'a new X-Forwarded-For per attempt');
      assert.ok(Number(locked.headers['retry-after']) > 0);

      assert.equal((await w.call('PUT', '/api/v1/orgs/gamma/policy', { ...B(), json: { ipAllowlist: ['10.0.0.0/8'] } })).statusCode, 200);
      for (const headers of [{ 'x-forwarded-for': '10.1.2.3' }, { 'x-real-ip': '10.1.2.3' }, { forwarded: 'for=10.1.2.3' }] as Record<string, string>[]) {
        expectProblem(await w.call('GET', '/auth/verify?org=gamma', { cred: { bearer: w.bob.pat }, headers }), 403, 'ip_forbidden', JSON.stringify(headers));
        expectProblem(await w.call('GET', '/api/v1/orgs/gamma', { cred: { bearer: w.bob.pat }, headers }), 403, 'ip_forbidden', JSON.stringify(headers));
      }
      const s = await w.call('POST', '/api/v1/session', { json: { username: 'carol', password: 'carol-password-1' }, headers: { 'x-forwarded-for': '203.0.113.7' } });
      const cookie = s.cookies.find((c) => c.name === 'patd_session')?.value ?? '';
      const sessions = (await w.call('GET', '/api/v1/me/sessions', { cred: { session: { cookie, csrf: s.json().csrfToken } } })).json().items;
      assert.ok(sessions.every((x: { ip: string }) => x.ip === '127.0.0.1'), JSON.stringify(sessions));
    });

    const OFFSITE = ['//evil.example', '/\\evil.example', '\\\\evil.example', 'https://evil.example/', 'javascript:alert(1)', '/\t/evil.example', ' //evil.example', '/\u3002evil.example', 'http:evil.example'];

    test('return_to never leads off the site (sign-in page, signed in or not, and the sign-in form)', async () => {
      for (const to of OFFSITE) {
        const signedIn = await w.call('GET', `/signin?return_to=${encodeURIComponent(to)}`, { cred: { session: w.alice.session } });
        assert.equal(signedIn.statusCode, 303);
        assert.equal(signedIn.headers.location, '/', `return_to ${JSON.stringify(to)}`);
        const form = await w.call('GET', `/signin?return_to=${encodeURIComponent(to)}`);
        assert.ok(form.body.includes('name="return_to" value="/"'), `the form keeps ${JSON.stringify(to)}`);
        const page = await w.call('GET', '/signin');
        const cookie = `patd_login_csrf=${page.cookies.find((c) => c.name === 'patd_login_csrf')?.value}`;
        const loginCsrf = /name="login_csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
        const posted = await w.call('POST', '/signin', { headers: { cookie }, form: { login_csrf: loginCsrf, username: 'carol', password: 'carol-password-1', return_to: to } });
        assert.equal(posted.statusCode, 303);
        assert.equal(posted.headers.location, '/', `after signing in, return_to ${JSON.stringify(to)}`);
      }
    });

    test('cookies under https: the session HttpOnly, Secure, SameSite=Lax; the login-CSRF and once-shown secret Strict; none readable by scripts', async () => {
      const attrs = (set: unknown, name: string) => [set ?? []].flat().map(String).find((c) => c.startsWith(`${name}=`)) ?? '';
      const api = await w.call('POST', '/api/v1/session', { json: { username: 'carol', password: 'carol-password-1' } });
      const session = attrs(api.headers['set-cookie'], 'patd_session');
      for (const a of ['HttpOnly', 'Secure', 'SameSite=Lax', 'Path=/']) assert.ok(session.split('; ').includes(a), `session cookie lacks ${a}: ${session}`);
      const page = await w.call('GET', '/signin');
      const login = attrs(page.headers['set-cookie'], 'patd_login_csrf');
      for (const a of ['HttpOnly', 'Secure', 'SameSite=Strict']) assert.ok(login.split('; ').includes(a), `login-CSRF cookie lacks ${a}: ${login}`);
      const s = w.alice.session;
      const made = await w.call('POST', '/tokens/new', { cred: { session: s }, form: { csrf_token: s.csrf, name: 'cookie-check', access: 'custom', scope: 'code:read', orgs_mode: 'all', expires: '7' } });
      assert.equal(made.statusCode, 303, made.body.slice(0, 300));
      const secret = attrs(made.headers['set-cookie'], 'patd_new_secret');
      for (const a of ['HttpOnly', 'Secure', 'SameSite=Strict']) assert.ok(secret.split('; ').includes(a), `secret cookie lacks ${a}: ${secret}`);
      assert.match(secret, /; Path=\/tokens\/tok_[0-9A-Za-z]+\/secret(;|$)/);
      const shown = await w.call('GET', String(made.headers.location), { cred: { session: s }, headers: { cookie: secret.split(';')[0] as string } });
      assert.equal(shown.headers['cache-control'], 'no-store');
      assert.equal(shown.headers['referrer-policy'], 'no-referrer');
    });

    test('sign-in tells no username apart: unknown, wrong password, disabled and service account answer alike, and each costs a password check', async () => {
      const answers: string[] = [];
      for (const [username, password] of [['nobody-here', 'x-password-1'], ['alice', 'wrong-password'], ['dave', 'dave-password-1'], ['ci-bot', 'anything-at-all']]) {
        const before = verifies;
        const res = await w.call('POST', '/api/v1/session', { json: { username, password } });
        assert.equal(res.statusCode, 401, username);
        const { requestId: _r, ...rest } = res.json();
        answers.push(JSON.stringify({ rest, challenge: res.headers['www-authenticate'] }));
        assert.equal(verifies - before, 1, `${username}: ${verifies - before} password checks`);
      }
      assert.equal(new Set(answers).size, 1, answers.join('\n'));
    });
  });
}
