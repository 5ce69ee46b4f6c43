import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from '../helpers/browser.js';
import { dialects } from '../helpers/db.js';
import { ADMIN_PASSWORD, type Auth, addUser, startTestPatd, type TestPatd } from '../helpers/harness.js';
import { freePort } from '../helpers/nginx.js';
import { listen } from '../helpers/sibling.js';
import { click, h1, open, openTab, signInHere, type Tab } from '../helpers/web.js';

const browser: Browser | null = await launchBrowser();
after(async () => browser?.close());

/**
 * The account, organization and instance admin pages in a real browser, found by role and
 * label: invitations accepted and declined, profile and password, sessions, leaving an org,
 * and an instance admin's users, orgs and clients. On SQLite and PostgreSQL.
 */
for (const dialect of await dialects()) {
  describe(`account, organizations and admin pages in Chromium (${dialect})`, { skip: browser ? false : 'chromium is not installed' }, () => {
    let p: TestPatd;
    let base: string;
    let alice: Auth;
    const tabs: Tab[] = [];
    const tab = async (o: { javaScript?: boolean } = {}) => {
      const t = await openTab(browser!, o);
      tabs.push(t);
      return t;
    };
    /** A new browser signed in as `username` at `url`. */
    const signedIn = async (username: string, url: string, password?: string) => {
      const t = await tab();
      await open(t.page, base + url);
      assert.equal((await signInHere(t.page, username, password)).status, 200);
      return t;
    };
    /** Problems other than the error statuses the test itself asks for (a refused form, a page that is gone). */
    const unexpected = (problems: string[]) => problems.filter((x) => !/Failed to load resource: the server responded with a status of (400|403|404|409)/.test(x));
    const main = (page: Page) => page.getByRole('main').innerText();
    const status = (page: Page) => page.getByRole('status').first().innerText();

    before(async () => {
      const port = await freePort();
      base = `http://127.0.0.1:${port}`;
      p = await startTestPatd(dialect, { env: { PATD_PUBLIC_URL: base } });
      assert.equal(await listen(p, port), base);
      const admin = await p.signIn('admin', ADMIN_PASSWORD);
      alice = (await addUser(p, admin, 'alice')).auth;
      await addUser(p, admin, 'bob');
      for (const [name, displayName] of [['acme', 'Acme Corp'], ['globex', 'Globex']]) {
        assert.equal((await p.req('POST', '/api/v1/orgs', { auth: alice, body: { name, displayName } })).statusCode, 201);
      }
    });
    after(async () => {
      for (const t of tabs) await t.context.close().catch(() => {});
      await p?.stop();
    });

    test('invitations: shown on /tokens and the account page; accept one, decline the other', { timeout: 120_000 }, async () => {
      for (const org of ['acme', 'globex']) {
        assert.equal((await p.req('POST', `/api/v1/orgs/${org}/invitations`, { auth: alice, body: { username: 'bob', role: 'member' } })).statusCode, 201);
      }
      const { page, problems } = await signedIn('bob', '/tokens');
      const notice = page.getByRole('region', { name: 'You have 2 pending invitations' });
      assert.match(await notice.innerText(), /Acme Corp \(acme\) invites you to join as member/);
      assert.match(await notice.innerText(), /Invited by alice/);
      await click(page, page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Account' }));
      assert.equal(await h1(page), 'Your account');
      assert.match(await page.getByRole('region', { name: 'You have 2 pending invitations' }).innerText(), /Globex \(globex\)/);

      await open(page, `${base}/tokens`);
      await click(page, page.getByRole('button', { name: 'Accept the invitation to Acme Corp' }));
      assert.equal(new URL(page.url()).pathname, '/orgs/acme');
      assert.equal(await status(page), 'You joined the organization.');
      assert.equal(await h1(page), 'Acme Corp');

      await open(page, `${base}/account`);
      await click(page, page.getByRole('button', { name: 'Decline the invitation to Globex' }));
      assert.equal(await status(page), 'The invitation is declined.');
      assert.equal(await page.getByRole('region', { name: /pending invitation/ }).count(), 0);

      await click(page, page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Organizations' }));
      const rows = await page.getByRole('table').getByRole('row').allInnerTexts();
      assert.equal(rows.length, 2, 'a header and acme');
      assert.match(rows[1] ?? '', /Acme Corp\s+acme\s+member/);
      await p.req('POST', '/api/v1/session', { body: { username: 'bob', password: 'not-the-password' } });
      const log = await (await open(page, `${base}/account/security-log`), main(page));
      assert.match(log, /Failed sign-in\s+wrong password\s+session\.failed\s+someone not signed in/, 'a failed sign-in is by someone not signed in');
      assert.match(log, /Invitation accepted/);
      assert.match(log, /Invitation declined/);
      assert.match(log, /Joined an organization/);
      assert.deepEqual(problems, []);
    });

    test('account: display name; password change ends the other sessions; sign out everywhere else', { timeout: 120_000 }, async () => {
      const one = await signedIn('bob', '/account');
      const other = await signedIn('bob', '/account');
      const { page } = one;
      await page.getByLabel('Display name').fill('Bob Builder');
      await click(page, page.getByRole('button', { name: 'Save profile' }));
      assert.equal(await status(page), 'Your profile is saved.');
      assert.equal(await page.getByLabel('Display name').inputValue(), 'Bob Builder');
      assert.equal((await p.req('GET', '/api/v1/users', { auth: await p.signIn('admin', ADMIN_PASSWORD) })).json().items.find((u: { username: string }) => u.username === 'bob').displayName, 'Bob Builder');

      // A wrong current password is an error at its field; the page says other sessions end.
      assert.match(await main(page), /Changing your password signs you out everywhere else/);
      await page.getByLabel('Current password', { exact: true }).fill('not-my-password');
      await page.getByLabel('New password', { exact: true }).fill('bob-new-password-2');
      await page.getByLabel('New password again').fill('bob-new-password-2');
      assert.equal((await click(page, page.getByRole('button', { name: 'Change password' }))).status, 400);
      assert.equal(await page.getByLabel('Current password', { exact: true }).getAttribute('aria-invalid'), 'true');
      assert.match(await page.locator('#current-password-error').innerText(), /The current password is missing or wrong/);

      // The sessions list marks this browser and shows the other one.
      const sessions = page.getByRole('table', { name: 'Your sessions, this browser first' });
      assert.match(await sessions.getByRole('row').nth(1).innerText(), /This browser/);
      assert.ok((await sessions.getByRole('row').count()) >= 3, 'this browser and the other one');

      await page.getByLabel('Current password', { exact: true }).fill('bob-password-1');
      await page.getByLabel('New password', { exact: true }).fill('bob-new-password-2');
      await page.getByLabel('New password again').fill('bob-new-password-2');
      await click(page, page.getByRole('button', { name: 'Change password' }));
      assert.equal(await status(page), 'Your password is changed. Every other session of yours has ended.');
      assert.equal(await page.getByRole('button', { name: 'Sign out everywhere else' }).count(), 0, 'no other session is left');
      await open(other.page, `${base}/account`);
      assert.equal(await h1(other.page), 'Sign in to see your account', 'the other browser is signed out');
      assert.equal((await signInHere(other.page, 'bob', 'bob-new-password-2')).status, 200);
      assert.equal(await h1(other.page), 'Your account');

      // Sign out everywhere else from the first browser: the other one loses its session.
      await open(page, `${base}/account`);
      await click(page, page.getByRole('button', { name: 'Sign out everywhere else' }));
      assert.equal(await status(page), 'You are signed out everywhere else.');
      await open(other.page, `${base}/tokens`);
      assert.equal(await h1(other.page), 'Sign in to patd');
      await open(page, `${base}/tokens`);
      assert.equal(await h1(page), 'Personal access tokens', 'this browser stays signed in');
      assert.deepEqual(unexpected([...one.problems, ...other.problems]), []);
    });

    test('a member leaves an org behind the confirmation; the last owner cannot', { timeout: 120_000 }, async () => {
      const { page, problems } = await signedIn('bob', '/orgs/acme', 'bob-new-password-2');
      assert.match(await page.getByRole('table').innerText(), /alice\s+owner/);
      await page.getByRole('link', { name: 'Leave organization…' }).click();
      const dialog = page.getByRole('dialog', { name: 'Leave “Acme Corp”?' });
      await dialog.getByRole('button', { name: 'Cancel' }).click();
      assert.equal(await dialog.isVisible(), false);
      await page.getByRole('link', { name: 'Leave organization…' }).click();
      await click(page, dialog.getByRole('button', { name: 'Leave organization' }));
      assert.equal(new URL(page.url()).pathname, '/orgs');
      assert.equal(await status(page), 'You left the organization. Your tokens no longer work in it.');
      assert.match(await main(page), /You are not a member of any organization yet/);
      assert.equal((await open(page, `${base}/orgs/acme`)).status, 404);

      // Without JavaScript the confirmation is a page; the last owner is told why at the action.
      const owner = await tab({ javaScript: false });
      await open(owner.page, `${base}/orgs/acme`);
      await signInHere(owner.page, 'alice');
      await click(owner.page, owner.page.getByRole('link', { name: 'Leave organization…' }));
      assert.equal(await h1(owner.page), 'Leave “Acme Corp”?');
      assert.equal((await click(owner.page, owner.page.getByRole('button', { name: 'Leave organization' }))).status, 409);
      const error = owner.page.locator('#leave .field-error');
      assert.match(await error.innerText(), /You cannot leave: alice is the last owner of org "acme"/);
      assert.equal(await owner.page.getByRole('link', { name: 'Leave organization…' }).getAttribute('aria-describedby'), 'leave-error');
      assert.equal((await p.req('GET', '/api/v1/orgs/acme/members', { auth: alice })).json().items.length, 1, 'alice is still there');
      assert.deepEqual(unexpected([...problems, ...owner.problems]), []);
    });

    test('instance admin: add a user, disable and enable them, reset their password; every org; clients', { timeout: 180_000 }, async () => {
      const { page, problems } = await signedIn('admin', '/tokens', ADMIN_PASSWORD);
      await click(page, page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Admin' }));
      assert.equal(await h1(page), 'Users');
      await click(page, page.getByRole('link', { name: 'Add user' }));
      await page.getByLabel('Username').fill('carol');
      await page.getByLabel('Email').fill('carol@example.test');
      await page.getByLabel('Display name').fill('Carol');
      await page.getByLabel('Type a password:').check();
      await page.getByLabel('Password', { exact: true }).fill('carol-password-1');
      await click(page, page.getByRole('button', { name: 'Add user' }));
      assert.equal(await h1(page), 'carol');
      assert.match(await status(page), /The user is created/);
      const carolAuth = await p.signIn('carol', 'carol-password-1');
      const carolPage = await signedIn('carol', '/tokens', 'carol-password-1');

      await page.getByRole('link', { name: 'Disable user…' }).click();
      await click(page, page.getByRole('dialog', { name: 'Disable carol?' }).getByRole('button', { name: 'Disable user' }));
      assert.match(await status(page), /The user is disabled/);
      assert.equal((await p.req('GET', '/api/v1/me', { auth: carolAuth })).statusCode, 401, 'her session stopped');
      await assert.rejects(p.signIn('carol', 'carol-password-1'));
      await click(page, page.getByRole('button', { name: 'Enable user' }));
      assert.equal(await status(page), 'The user is enabled again.');
      const again = await p.signIn('carol', 'carol-password-1');
      await open(carolPage.page, `${base}/tokens`);
      assert.equal(await h1(carolPage.page), 'Sign in to patd', 'disabling ended her browser session');
      await signInHere(carolPage.page, 'carol', 'carol-password-1');

      // Reset with a generated password: shown once; her sessions end; the new one works.
      await click(page, page.getByRole('link', { name: 'Reset password…' }));
      await page.getByLabel('Generate a password').check();
      await click(page, page.getByRole('button', { name: 'Reset password' }));
      assert.equal(await h1(page), 'The password of carol');
      const generated = await page.getByLabel('Password').inputValue();
      assert.match(generated, /^[A-Za-z0-9_-]{24}$/);
      assert.equal((await p.req('GET', '/api/v1/me', { auth: again })).statusCode, 401, 'her API session ended');
      await open(carolPage.page, `${base}/tokens`);
      assert.equal(await h1(carolPage.page), 'Sign in to patd', 'her browser session ended');
      assert.equal((await signInHere(carolPage.page, 'carol', generated)).status, 200);
      assert.equal(await h1(carolPage.page), 'Personal access tokens');
      await page.reload();
      assert.equal(await h1(page), 'The password is no longer shown');
      assert.equal(await page.getByLabel('Password').count(), 0);

      // Every org, also those the admin is not a member of.
      await open(page, `${base}/admin`);
      await click(page, page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'Organizations' }));
      assert.equal(await h1(page), 'Every organization');
      const orgs = await page.getByRole('table').innerText();
      assert.match(orgs, /Acme Corp\s+acme\s+not a member/);
      assert.match(orgs, /Globex\s+globex/);
      await click(page, page.getByRole('link', { name: 'Globex' }));
      assert.equal(await h1(page), 'Globex');

      // A client: the secret once, it authenticates, then it is removed.
      await open(page, `${base}/admin/clients`);
      assert.match(await main(page), /No clients are registered/);
      await page.getByLabel('Name').fill('artifact registry');
      await click(page, page.getByRole('button', { name: 'Add client' }));
      assert.equal(await h1(page), 'Client “artifact registry” added');
      const secret = await page.getByLabel('Client secret').inputValue();
      const clientId = await page.locator('dl.facts dd code').innerText();
      assert.match(secret, /^patdcs_/);
      const introspect = () => p.app.inject({ method: 'POST', url: '/oauth/introspect', headers: { authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' }, payload: 'token=nope' });
      assert.equal((await introspect()).statusCode, 200);
      await page.reload();
      assert.equal(await h1(page), 'The secret is no longer shown');
      await click(page, page.getByRole('link', { name: 'Done' }));
      assert.match(await page.getByRole('table').innerText(), /artifact registry/);
      await page.getByRole('link', { name: /^Remove artifact registry/ }).click();
      await click(page, page.getByRole('dialog', { name: 'Remove “artifact registry”?' }).getByRole('button', { name: 'Remove client' }));
      assert.equal(await status(page), 'The client is removed: it can no longer check or revoke tokens.');
      assert.equal((await introspect()).statusCode, 401);
      assert.deepEqual(unexpected([...problems, ...carolPage.problems]), []);
    });

    test('the Admin entry is shown to instance admins only', { timeout: 60_000 }, async () => {
      const { page } = await signedIn('alice', '/tokens');
      const nav = page.getByRole('navigation', { name: 'Main' });
      assert.deepEqual(await nav.getByRole('link').allInnerTexts(), ['Personal access tokens', 'Organizations', 'Account']);
      assert.equal((await open(page, `${base}/admin/users`)).status, 403);
    });
  });
}
