import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchBrowser } from '../helpers/browser.js';
import { curl } from '../helpers/curl.js';
import { dialects } from '../helpers/db.js';
import { ADMIN_PASSWORD, addUser, createToken, startTestPatd, type TestPatd } from '../helpers/harness.js';
import { freePort } from '../helpers/nginx.js';
import { listen } from '../helpers/sibling.js';
import { click, fact, h1, open, openTab, PAGE_CSP, signInHere } from '../helpers/web.js';

/** One Chromium for the whole file (null: not installed, outside CI; the tests are skipped). */
const browser: Browser | null = await launchBrowser();
after(async () => browser?.close());

/**
 * The seeds' procedure in a real browser, found the way a person finds things (roles and
 * labels): sign in, "Personal access tokens", "New token", name, organization, expiry and
 * scopes, copy the secret once and use it with curl; then edit, regenerate and revoke it;
 * sign out. On SQLite and PostgreSQL.
 */
for (const dialect of await dialects()) {
  describe(`the web app in Chromium (${dialect})`, { skip: browser ? false : 'chromium is not installed' }, () => {
    let p: TestPatd;
    let base: string;

    before(async () => {
      const port = await freePort();
      base = `http://127.0.0.1:${port}`;
      p = await startTestPatd(dialect, { env: { PATD_PUBLIC_URL: base } });
      assert.equal(await listen(p, port), base);
      const admin = await p.signIn('admin', ADMIN_PASSWORD);
      const alice = await addUser(p, admin, 'alice');
      for (const name of ['acme', 'globex']) assert.equal((await p.req('POST', '/api/v1/orgs', { auth: alice.auth, body: { name } })).statusCode, 201);
      await p.req('PUT', '/api/v1/orgs/acme/policy', { auth: alice.auth, body: { maxLifetimeDays: 90, allowFullAccess: false } });
    });
    after(async () => p?.stop());

    test('create, copy, use, edit, regenerate and revoke a token; sign out', { timeout: 120_000 }, async () => {
      const context = await browser!.newContext({ viewport: { width: 1280, height: 900 } });
      await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
      const { page, problems } = await openTab(browser!, { context });
      try {
        assert.deepEqual(await open(page, `${base}/`), { status: 200, csp: PAGE_CSP });
        assert.equal(await h1(page), 'Sign in to patd');
        assert.equal((await signInHere(page, 'alice')).status, 200);
        assert.equal(page.url(), `${base}/tokens`);

        // The layout: landmarks, the navigation, who is signed in.
        const nav = page.getByRole('navigation', { name: 'Main' });
        assert.equal(await nav.getByRole('link', { name: 'Personal access tokens' }).getAttribute('aria-current'), 'page');
        assert.match(await page.getByRole('banner').innerText(), /Signed in as alice/);
        assert.equal(await h1(page), 'Personal access tokens');
        assert.match(await page.getByRole('main').innerText(), /You have no active tokens/);

        await click(page, page.getByRole('link', { name: 'New token' }).first());
        assert.equal(await h1(page), 'New personal access token');
        await page.getByLabel('Name').fill('laptop git');
        await page.getByLabel('Only the organizations I choose:').check();
        await page.getByLabel(/^acme/).check();
        // acme allows 90 days and no full access: the form no longer offers more.
        const expires = page.getByLabel('Expiration');
        assert.deepEqual(await expires.locator('option:not([disabled])').allTextContents(), ['7 days', '30 days (default)', '60 days', '90 days', 'Custom date…']);
        const full = page.getByRole('radio', { name: /^Full access/ });
        assert.equal(await full.isVisible(), false);
        assert.match(await page.getByText('The policy of acme allows at most 90 days.').innerText(), /90 days/);
        // globex alone allows all of it again.
        await page.getByLabel(/^acme/).uncheck();
        await page.getByLabel(/^globex/).check();
        assert.ok(await full.isVisible());
        assert.ok((await expires.locator('option:not([disabled])').allTextContents()).includes('365 days'));
        await page.getByLabel(/^globex/).uncheck();
        await page.getByLabel(/^acme/).check();
        await expires.selectOption({ label: '60 days' });
        await page.getByLabel('Custom defined:').check();
        await page.getByRole('checkbox', { name: /^code:write/ }).check();
        const read = page.getByRole('checkbox', { name: /^code:read/ });
        assert.ok((await read.isChecked()) && (await read.isDisabled()), 'code:read is shown as included');
        await page.getByRole('checkbox', { name: /^profile:read/ }).check();
        assert.deepEqual(await click(page, page.getByRole('button', { name: 'Create token' })), { status: 200, csp: PAGE_CSP });

        // The secret, once, with a Copy button and snippets.
        assert.equal(await h1(page), 'Token “laptop git” created');
        const shown = await page.getByLabel('Your new token').inputValue();
        assert.match(shown, /^patd_[0-9A-Za-z]{49}$/);
        await page.getByRole('button', { name: 'Copy', exact: true }).first().click();
        await page.getByText('Copied to the clipboard.').waitFor();
        const copied = await page.evaluate(() => navigator.clipboard.readText());
        assert.equal(copied, shown);
        const curlSnippet = await page.locator('pre', { hasText: 'curl -u' }).innerText();
        assert.equal(curlSnippet, `curl -u :${copied} ${base}/api/v1/me`);
        assert.match(await page.locator('pre', { hasText: 'git clone' }).innerText(), new RegExp(`^git clone ${base}/acme/_git/REPO$`));
        const me = await curl(['-u', `:${copied}`, `${base}/api/v1/me`]);
        assert.equal(me.status, 200, me.body);
        assert.equal(me.json().user.username, 'alice');
        const self = (await curl(['-u', `:${copied}`, `${base}/api/v1/tokens/self`])).json();
        assert.equal(self.createdVia, 'web');
        assert.deepEqual(self.orgs, ['acme']);
        assert.deepEqual(self.scopes, ['code:write', 'profile:read']);
        const secretUrl = page.url();
        const tokenUrl = `${base}/tokens/${self.id}`;
        assert.equal(secretUrl, `${tokenUrl}/secret`);
        await page.reload();
        assert.equal(await h1(page), 'The secret is no longer shown');
        assert.ok(!(await page.content()).includes(copied), 'a reload does not show it again');
        await click(page, page.getByRole('link', { name: 'Go to the token' }));
        await page.goBack();
        assert.ok(!(await page.content()).includes(copied), 'nor does going back');

        // The token page: facts and use.
        await p.core.verifier.flushUsage();
        await open(page, tokenUrl);
        assert.equal(await h1(page), 'laptop git');
        assert.equal(await fact(page, 'Status'), 'Active');
        assert.match(await fact(page, 'Last used'), /127\.0\.0\.1/);
        assert.match(await page.getByRole('region', { name: 'Use in the last 30 days' }).innerText(), /2 requests in the last 30 days, from 1 IP address\./);

        // Edit: name and scopes.
        await click(page, page.getByRole('link', { name: 'Edit token' }));
        await page.getByLabel('Name').fill('laptop git (work)');
        await page.getByRole('checkbox', { name: /^profile:read/ }).uncheck();
        await click(page, page.getByRole('button', { name: 'Save changes' }));
        assert.equal(page.url(), `${tokenUrl}?done=updated`);
        assert.equal(await page.getByRole('status').innerText(), 'Your changes are saved.');
        assert.equal(await h1(page), 'laptop git (work)');
        assert.deepEqual(await page.locator('dl.facts dt', { hasText: 'Scopes' }).locator('xpath=following-sibling::dd[1]//code').allTextContents(), ['code:write']);
        assert.equal((await curl(['-u', `:${copied}`, `${base}/api/v1/me`])).status, 403, 'profile:read is gone at once');

        // Regenerate: the old secret stops, the new one works.
        await click(page, page.getByRole('link', { name: 'Regenerate…' }));
        assert.ok(await page.getByLabel('Stop the old secret now').isChecked());
        await click(page, page.getByRole('button', { name: 'Regenerate token' }));
        assert.equal(await h1(page), 'New secret for “laptop git (work)”');
        const fresh = await page.getByLabel('Your new token').inputValue();
        assert.notEqual(fresh, copied);
        const old = await curl(['-u', `:${copied}`, `${base}/api/v1/tokens/self`]);
        assert.equal(old.status, 401);
        assert.equal(old.json().code, 'token_rotated');
        assert.equal((await curl(['-u', `:${fresh}`, `${base}/api/v1/tokens/self`])).status, 200);

        // Revoke, behind a confirmation.
        await open(page, tokenUrl);
        await page.getByRole('link', { name: 'Revoke token…' }).click();
        const dialog = page.getByRole('dialog', { name: 'Revoke “laptop git (work)”?' });
        await dialog.getByRole('button', { name: 'Cancel' }).click();
        assert.equal(await dialog.isVisible(), false, 'cancel closes it');
        assert.equal((await curl(['-u', `:${fresh}`, `${base}/api/v1/tokens/self`])).status, 200, 'and revokes nothing');
        await page.getByRole('link', { name: 'Revoke token…' }).click();
        await click(page, dialog.getByRole('button', { name: 'Revoke token' }));
        assert.equal(await page.getByRole('status').innerText(), 'The token is revoked: it no longer works anywhere.');
        assert.equal(await fact(page, 'Status'), 'Revoked');
        const revoked = await curl(['-u', `:${fresh}`, `${base}/api/v1/tokens/self`]);
        assert.equal(revoked.json().code, 'token_revoked');

        // The list: revoked tokens under their filter.
        await click(page, nav.getByRole('link', { name: 'Personal access tokens' }));
        assert.match(await page.getByRole('main').innerText(), /You have no active tokens/);
        await page.getByLabel('Status').selectOption({ label: 'Revoked' });
        await click(page, page.getByRole('button', { name: 'Apply' }));
        assert.equal(await page.getByRole('link', { name: 'laptop git (work)' }).count(), 1);

        // Sign out: the session ends and the browser lands on the sign-in page.
        await click(page, page.getByRole('button', { name: 'Sign out' }));
        assert.equal(page.url(), `${base}/signin?done=signed-out`);
        assert.equal(await h1(page), 'You are signed out');
        await open(page, `${base}/tokens`);
        assert.ok(await page.getByLabel('Password').isVisible(), 'signed out: the sign-in form');
        assert.deepEqual(problems, [], 'no console errors (CSP violations) and no page errors');
      } finally {
        await context.close();
      }
    });

    test('two tabs with sign-in forms (two mail links): signing in on the first works, the second goes on', { timeout: 60_000 }, async () => {
      const alice = await p.signIn('alice', 'alice-password-1');
      const a = await createToken(p, alice, { name: 'first', scopes: ['code:read'] });
      const b = await createToken(p, alice, { name: 'second', scopes: ['code:read'] });
      const context = await browser!.newContext();
      try {
        const one = await openTab(browser!, { context });
        const two = await openTab(browser!, { context });
        await open(one.page, `${base}/tokens/${a.id}`);
        await open(two.page, `${base}/tokens/${b.id}`);
        assert.equal(await h1(one.page), 'Sign in to see your token');
        assert.equal(await h1(two.page), 'Sign in to see your token');
        assert.equal((await signInHere(one.page, 'alice')).status, 200);
        assert.equal(one.page.url(), `${base}/tokens/${a.id}`);
        assert.equal(await h1(one.page), 'first');
        assert.equal((await signInHere(two.page, 'alice')).status, 200);
        assert.equal(await h1(two.page), 'second');
        assert.deepEqual([...one.problems, ...two.problems], []);
      } finally {
        await context.close();
      }
    });
  });
}
