import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { dialects } from '../helpers/db.js';
import { InstanceAdmin } from '../../src/core/accounts/admin.js';
import { isPatdError } from '../../src/core/errors.js';
import type { Caller } from '../../src/core/model.js';
import { ADMIN_PASSWORD, type Auth, addUser, createToken, startTestPatd, type TestPatd } from '../helpers/harness.js';

type Cookie = Extract<Auth, { cookie: string }>;

/** A browser's request to a page: the session cookie, HTML wanted, a form body when posting. */
function page(p: TestPatd, method: 'GET' | 'POST', url: string, auth: Cookie, form?: Record<string, string>) {
  return p.app.inject({
    method, url,
    headers: { cookie: `patd_session=${auth.cookie}`, accept: 'text/html', ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
    ...(form ? { payload: new URLSearchParams(form).toString() } : {}),
  });
}

/**
 * The instance admin pages refuse everyone but instance admins, in the use case (never by
 * hiding the link): every GET and POST under /admin is a 403 page for a signed-in member, and
 * nothing changes; a POST without the session's CSRF token is refused before anything runs.
 */
for (const dialect of await dialects()) {
  describe(`the /admin pages refuse non-admins (${dialect})`, () => {
    let p: TestPatd;
    let admin: Cookie;
    let alice: Cookie;
    let bobId: string;
    let clientId: string;

    before(async () => {
      p = await startTestPatd(dialect);
      admin = (await p.signIn('admin', ADMIN_PASSWORD)) as Cookie;
      alice = (await addUser(p, admin, 'alice')).auth as Cookie;
      bobId = (await addUser(p, admin, 'bob')).id;
      clientId = (await p.clients.add({ actor: { type: 'system', id: null, name: 'cli' }, ip: null, userAgent: null }, 'registry')).client.id;
    });
    after(async () => p?.stop());

    const gets = () => ['/admin', '/admin/users', '/admin/users/new', `/admin/users/${bobId}`, `/admin/users/${bobId}/password`, `/admin/users/${bobId}/disable`,
      `/admin/users/${bobId}/reset-password`, '/admin/orgs', '/admin/clients', `/admin/clients/${clientId}/secret`, `/admin/clients/${clientId}/remove`];
    const posts = (): [string, Record<string, string>][] => [
      ['/admin/users/new', { username: 'mallory', email: 'm@example.test', password_mode: 'type', password: 'mallory-password-1', admin: '1' }],
      [`/admin/users/${bobId}/disable`, {}], [`/admin/users/${bobId}/enable`, {}],
      [`/admin/users/${bobId}/reset-password`, { password_mode: 'type', password: 'taken-over-1' }],
      ['/admin/clients', { name: 'evil' }], [`/admin/clients/${clientId}/remove`, {}],
    ];

    test('a member gets 403 on every /admin page', async () => {
      for (const url of gets()) {
        const res = await page(p, 'GET', url, alice);
        assert.equal(res.statusCode, 403, url);
        assert.match(res.headers['content-type'] as string, /^text\/html/, url);
        assert.match(res.body, /this needs an instance admin/, url);
      }
    });

    test('a member gets 403 on every /admin form, with the CSRF token, and nothing changes', async () => {
      for (const [url, form] of posts()) {
        const res = await page(p, 'POST', url, alice, { csrf_token: alice.csrf, ...form });
        assert.equal(res.statusCode, 403, url);
        assert.match(res.body, /this needs an instance admin/, url);
      }
      await assertUnchanged();
    });

    test('a POST without the CSRF token (or with another session\'s) is refused, also for an admin', async () => {
      for (const [url, form] of posts()) {
        for (const csrf of [undefined, alice.csrf]) {
          const res = await page(p, 'POST', url, admin, { ...(csrf ? { csrf_token: csrf } : {}), ...form });
          assert.equal(res.statusCode, 403, url);
          assert.match(res.body, /The form has expired/, url);
        }
      }
      await assertUnchanged();
    });

    test('an instance admin gets the pages', async () => {
      for (const url of gets()) {
        const res = await page(p, 'GET', url, admin);
        assert.ok([200, 303].includes(res.statusCode), `${url}: ${res.statusCode}`);
      }
      const users = await page(p, 'GET', '/admin/users', admin);
      assert.match(users.body, /alice/);
      assert.match(users.body, /bob/);
    });

    test('the use cases themselves refuse a member, and an admin\'s PAT without full access', async () => {
      const ia = new InstanceAdmin(p.core, p.accounts, p.clients);
      const member: Caller = { user: await p.accounts.byUsername('alice'), token: null, ip: null, userAgent: null };
      const narrow = await createToken(p, admin, { name: 'narrow', scopes: ['profile:read'] });
      const adminPat: Caller = { user: await p.accounts.byUsername('admin'), token: (await p.store.r.tokens.byId(narrow.id))!, ip: null, userAgent: null };
      for (const c of [member, adminPat]) {
        const calls: [string, () => Promise<unknown>][] = [
          ['listUsers', () => ia.listUsers(c, { limit: 10, cursor: null })], ['user', () => ia.user(c, bobId)],
          ['addUser', () => ia.addUser(c, { username: 'mallory', email: 'm@example.test' })], ['updateUser', () => ia.updateUser(c, bobId, { disabled: true })],
          ['resetPassword', () => ia.resetPassword(c, bobId, 'taken-over-1')], ['listOrgs', () => ia.listOrgs(c, { limit: 10, cursor: null })],
          ['listClients', () => ia.listClients(c)], ['addClient', () => ia.addClient(c, 'evil')], ['removeClient', () => ia.removeClient(c, clientId)],
        ];
        for (const [name, call] of calls) await assert.rejects(call, (e) => isPatdError(e) && e.code === 'forbidden', name);
      }
      await assertUnchanged();
    });

    test('signed out: the sign-in form, never the page', async () => {
      const res = await p.app.inject({ method: 'GET', url: '/admin/users', headers: { accept: 'text/html' } });
      assert.equal(res.statusCode, 200);
      assert.match(res.body, /Sign in to administer patd/);
      assert.doesNotMatch(res.body, /bob@example/);
    });

    async function assertUnchanged() {
      assert.equal((await p.req('GET', '/api/v1/users', { auth: admin })).json().items.some((u: { username: string }) => u.username === 'mallory'), false, 'no user was added');
      const bob = (await p.req('GET', '/api/v1/users', { auth: admin })).json().items.find((u: { username: string }) => u.username === 'bob');
      assert.equal(bob.disabled, false, 'bob is not disabled');
      await p.signIn('bob', 'bob-password-1'); // the password was not reset
      assert.deepEqual((await p.clients.list()).map((c) => c.name), ['registry'], 'no client added or removed');
    }
  });
}
