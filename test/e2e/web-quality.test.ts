import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchBrowser } from '../helpers/browser.js';
import { GUIDE_URL, guideContext, personalWorld } from '../helpers/guide.js';
import { ADMIN_PASSWORD, type Auth, addUser, createToken, startTestPatd, type TestPatd } from '../helpers/harness.js';
import { freePort } from '../helpers/nginx.js';
import { listen } from '../helpers/sibling.js';
import { axeFindings, click, h1, open, openTab, PAGE_CSP, screenshots, scrollWidth, signInHere, type Tab } from '../helpers/web.js';

const browser: Browser | null = await launchBrowser();
const HOUR = 3_600_000;
const XSS = '<script>alert(1)</script>"><img src=x onerror=alert(1)>';
const shots = screenshots(mkdtempSync(join(tmpdir(), 'patd-web-')));
after(() => browser?.close());

/**
 * What a person notices (SQLite is enough: the storage is tested on both dialects elsewhere):
 * no serious axe-core finding on each main page, no horizontal scroll at 360 px, keyboard-only
 * token creation, everything without JavaScript, hostile names shown as text, no console or
 * CSP errors. The user guide's pictures come from a world of their own (below), never these names.
 */
describe('the web app: accessibility, small screens, keyboard, no JavaScript (sqlite)', { skip: browser ? false : 'chromium is not installed' }, () => {
  let p: TestPatd;
  let base: string;
  let alice: Auth;
  let laptop: { id: string; secret: string };
  let context: BrowserContext;
  let page: Page;
  let problems: string[];
  let adminTab: Tab;
  let bobId: string;
  let clientId: string;
  before(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    p = await startTestPatd('sqlite', { env: { PATD_PUBLIC_URL: base, PATD_EXPIRY_WARNING_DAYS: '14,3', PATD_TRUST_PROXY: 'true' } });
    assert.equal(await listen(p, port), base);
    const admin = await p.signIn('admin', ADMIN_PASSWORD);
    alice = (await addUser(p, admin, 'alice', { displayName: XSS })).auth;
    await p.req('POST', '/api/v1/orgs', { auth: alice, body: { name: 'acme', displayName: 'Acme Corp' } });
    await p.req('POST', '/api/v1/orgs', { auth: alice, body: { name: 'globex', displayName: 'Globex' } });
    await p.req('PUT', '/api/v1/orgs/acme/policy', { auth: alice, body: { maxLifetimeDays: 90, allowFullAccess: false } });
    // A realistic list: tokens made over a few weeks, used from two addresses, one revoked.
    await createToken(p, alice, { name: 'old build agent', scopes: ['build:execute'], orgs: ['globex'], expiresInDays: 90 });
    p.clock.advance(20 * 24 * HOUR);
    await createToken(p, alice, { name: 'nuget on CI', scopes: ['packaging:read'], orgs: ['globex'], expiresInDays: 180 });
    const leaked = await createToken(p, alice, { name: 'shared by mistake', scopes: ['code:read'], orgs: ['acme'], expiresInDays: 30 });
    await p.req('DELETE', `/api/v1/tokens/${leaked.id}`, { auth: alice });
    laptop = await createToken(p, alice, { name: 'laptop git', scopes: ['code:write', 'profile:read'], orgs: ['acme'], expiresInDays: 30 });
    for (let day = 0; day < 12; day++) {
      for (let i = 0; i < (day * 7) % 11 + 1; i++) {
        const ip = i % 3 === 0 ? '10.20.0.7' : '127.0.0.1';
        await p.req('GET', '/api/v1/me', { auth: { token: laptop.secret }, headers: { 'x-forwarded-for': ip } });
      }
      await p.core.verifier.flushUsage();
      p.clock.advance(24 * HOUR);
    }
    await createToken(p, alice, { name: XSS, scopes: ['profile:read'], expiresInDays: 7 });
    // The account, org and admin pages: a hostile org name in an invitation, a hostile user agent, a client.
    await p.req('POST', '/api/v1/orgs', { auth: admin, body: { name: 'initech', displayName: XSS } });
    await p.req('POST', '/api/v1/orgs/initech/invitations', { auth: admin, body: { username: 'alice', role: 'admin' } });
    await p.req('POST', '/api/v1/session', { body: { username: 'alice', password: 'alice-password-1' }, headers: { 'user-agent': XSS } });
    await p.req('POST', '/api/v1/session', { body: { username: 'alice', password: 'alice-password-1' }, headers: { 'user-agent': 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15', 'x-forwarded-for': '10.20.0.7' } });
    bobId = (await addUser(p, admin, 'bob', { displayName: 'Bob Builder' })).id;
    clientId = (await p.clients.add({ actor: { type: 'user', id: null, name: 'admin' }, ip: null, userAgent: null }, 'artifact registry')).client.id;
    context = await browser!.newContext({ viewport: { width: 1280, height: 900 } });
    ({ page, problems } = await openTab(browser!, { context }));
    await open(page, `${base}/tokens`);
    await signInHere(page, 'alice');
    adminTab = await openTab(browser!);
    await open(adminTab.page, `${base}/admin/users`);
    await signInHere(adminTab.page, 'admin', ADMIN_PASSWORD);
  });
  after(async () => {
    await adminTab?.context.close();
    await context?.close();
    await p?.stop();
  });

  const mainPages = () => [
    ['tokens', '/tokens'], ['new-token', '/tokens/new'], ['token', `/tokens/${laptop.id}`], ['edit-token', `/tokens/${laptop.id}/edit`],
    ['regenerate-token', `/tokens/${laptop.id}/regenerate`], ['revoke-token', `/tokens/${laptop.id}/revoke`], ['not-found', '/no/such/page'],
    ['account', '/account'], ['security-log', '/account/security-log'], ['orgs', '/orgs'], ['org', '/orgs/acme'], ['leave-org', '/orgs/acme/leave'],
  ] as const;
  /** The instance admin's pages (signed in as admin in a tab of their own). */
  const adminPages = () => [
    ['admin-users', '/admin/users'], ['admin-new-user', '/admin/users/new'], ['admin-user', `/admin/users/${bobId}`], ['admin-disable-user', `/admin/users/${bobId}/disable`],
    ['admin-reset-password', `/admin/users/${bobId}/reset-password`], ['admin-orgs', '/admin/orgs'], ['admin-clients', '/admin/clients'], ['admin-remove-client', `/admin/clients/${clientId}/remove`],
  ] as const;

  test('axe-core: no serious or critical finding on each main page, signed out and in', { timeout: 120_000 }, async () => {
    const out = await openTab(browser!);
    try {
      assert.equal((await open(out.page, `${base}/signin`)).status, 200);
      assert.deepEqual(await axeFindings(out.page), [], 'the sign-in page');
    } finally {
      await out.context.close();
    }
    for (const [name, url] of mainPages()) {
      const res = await open(page, base + url);
      assert.equal(res.csp, PAGE_CSP);
      assert.equal(res.status, name === 'not-found' ? 404 : 200, url);
      assert.deepEqual(await axeFindings(page), [], url);
    }
    // The secret page and the revoke dialog.
    await open(page, `${base}/tokens/${laptop.id}/regenerate`);
    await click(page, page.getByRole('button', { name: 'Regenerate token' }));
    assert.deepEqual(await axeFindings(page), [], 'the new secret');
    await open(page, `${base}/tokens/${laptop.id}`);
    await page.getByRole('link', { name: 'Revoke token…' }).click();
    assert.deepEqual(await axeFindings(page), [], 'the revoke dialog');
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
    await open(page, `${base}/orgs/acme`);
    await page.getByRole('link', { name: 'Leave organization…' }).click();
    assert.deepEqual(await axeFindings(page), [], 'the leave dialog');
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
    assert.deepEqual(problems.filter((x) => !x.includes('/no/such/page')), [], 'no console errors (CSP violations) and no page errors');

    const a = adminTab.page;
    for (const [, url] of adminPages()) {
      const res = await open(a, base + url);
      assert.deepEqual(res, { status: 200, csp: PAGE_CSP }, url);
      assert.deepEqual(await axeFindings(a), [], url);
    }
    await open(a, `${base}/admin/users/${bobId}`);
    await a.getByRole('link', { name: 'Disable user…' }).click();
    assert.deepEqual(await axeFindings(a), [], 'the disable dialog');
    await a.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
    await open(a, `${base}/admin/users/${bobId}/reset-password`);
    await click(a, a.getByRole('button', { name: 'Reset password' }));
    assert.equal(await h1(a), 'The password of bob');
    assert.deepEqual(await axeFindings(a), [], 'a generated password');
    await open(a, `${base}/admin/clients`);
    await a.getByLabel('Name').fill('ci runner');
    await click(a, a.getByRole('button', { name: 'Add client' }));
    assert.deepEqual(await axeFindings(a), [], 'a new client secret');
    assert.deepEqual(adminTab.problems, [], 'no console errors on the admin pages');
  });

  test('at 360 px wide: no horizontal scroll on any main page; tables become cards', { timeout: 60_000 }, async () => {
    await page.setViewportSize({ width: 360, height: 780 });
    try {
      for (const [, url] of mainPages()) {
        await open(page, base + url);
        assert.deepEqual(await scrollWidth(page), { scroll: 360, viewport: 360 }, url);
      }
      const a = adminTab.page;
      await a.setViewportSize({ width: 360, height: 780 });
      for (const [, url] of adminPages()) {
        await open(a, base + url);
        assert.deepEqual(await scrollWidth(a), { scroll: 360, viewport: 360 }, url);
      }
      await a.setViewportSize({ width: 1280, height: 900 });
      await open(page, `${base}/tokens`);
      const cell = await page.locator('table.list td[data-label="Expires"]').first().boundingBox();
      assert.ok(cell && cell.width > 300, 'a row is a card as wide as the screen');
    } finally {
      await page.setViewportSize({ width: 1280, height: 900 });
    }
  });

  test('hostile names are text: the token name and the display name never become markup', { timeout: 60_000 }, async () => {
    let dialogs = 0;
    page.on('dialog', (d) => {
      dialogs++;
      void d.dismiss();
    });
    await open(page, `${base}/tokens`);
    assert.equal(await page.getByRole('link', { name: XSS }).count(), 1);
    await click(page, page.getByRole('link', { name: XSS }));
    assert.equal(await h1(page), XSS);
    assert.equal(await page.locator('main img, main script').count(), 0);
    await open(page, `${base}/tokens/${page.url().split('/tokens/')[1]}/edit`);
    assert.equal(await page.getByLabel('Name').inputValue(), XSS);
    // An org's display name in an invitation, a session's user agent, the display name on the account page.
    await open(page, `${base}/tokens`);
    assert.match(await page.getByRole('region', { name: 'You have a pending invitation' }).innerText(), new RegExp(`${XSS.replace(/[()]/g, '\\$&')} \\(initech\\) invites you`));
    await open(page, `${base}/account`);
    assert.equal(await page.getByLabel('Display name').inputValue(), XSS);
    assert.ok((await page.getByRole('table', { name: 'Your sessions, this browser first' }).innerText()).includes(XSS.slice(0, 40)), 'the user agent as text');
    assert.equal(await page.locator('main img, main script').count(), 0);
    await open(adminTab.page, `${base}/admin/orgs`);
    assert.equal(await adminTab.page.getByRole('link', { name: XSS }).count(), 1);
    assert.equal(dialogs, 0, 'no script ran');
  });

  test('keyboard only (Tab, Enter, Space): create a token', { timeout: 60_000 }, async () => {
    await open(page, `${base}/tokens`);
    const focused = () => page.evaluate(() => {
      const el = document.activeElement as HTMLElement | null;
      return el ? `${el.tagName.toLowerCase()}:${(el.getAttribute('value') ?? el.textContent ?? '').trim()}:${el.id}` : '';
    });
    const tabTo = async (want: RegExp, max = 80) => {
      for (let i = 0; i < max; i++) {
        await page.keyboard.press('Tab');
        if (want.test(await focused())) return;
      }
      assert.fail(`Tab never reached ${want}`);
    };
    await tabTo(/^a:Skip to main content/);
    await tabTo(/^a:New token/);
    await navigationBy(page, () => page.keyboard.press('Enter'));
    assert.equal(await h1(page), 'New personal access token');
    await tabTo(/^input::name$/);
    await page.keyboard.type('typed with the keyboard');
    await tabTo(/^input:code:read:/);
    await page.keyboard.press('Space');
    await tabTo(/^button:create:/);
    await navigationBy(page, () => page.keyboard.press('Enter'));
    assert.equal(await h1(page), 'Token “typed with the keyboard” created');
    assert.match(await page.getByLabel('Your new token').inputValue(), /^patd_/);
  });

  test('keyboard only: add a client on the admin pages; open and cancel the leave dialog', { timeout: 60_000 }, async () => {
    const a = adminTab.page;
    const focusedOn = (q: Page) => q.evaluate(() => {
      const el = document.activeElement as HTMLElement | null;
      return el ? `${el.tagName.toLowerCase()}:${(el.textContent ?? '').trim()}:${el.id}` : '';
    });
    const tabTo = async (q: Page, want: RegExp, max = 60) => {
      for (let i = 0; i < max; i++) {
        await q.keyboard.press('Tab');
        if (want.test(await focusedOn(q))) return;
      }
      assert.fail(`Tab never reached ${want}`);
    };
    await open(a, `${base}/admin/clients`);
    await tabTo(a, /^input::client-name$/);
    await a.keyboard.type('keyboard client');
    await tabTo(a, /^button:Add client:/);
    await navigationBy(a, () => a.keyboard.press('Enter'));
    assert.equal(await h1(a), 'Client “keyboard client” added');

    await open(page, `${base}/orgs/acme`);
    await tabTo(page, /^a:Leave organization…:/);
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'Leave “Acme Corp”?' });
    assert.ok(await dialog.isVisible());
    await tabTo(page, /^button:Cancel:/, 5);
    await page.keyboard.press('Enter');
    assert.equal(await dialog.isVisible(), false);
  });

  test('without JavaScript: create with the policy limits, confirm a revoke on its own page', { timeout: 60_000 }, async () => {
    const nojs = await openTab(browser!, { javaScript: false });
    try {
      const { page: q } = nojs;
      await open(q, `${base}/tokens/new`);
      await signInHere(q, 'alice');
      assert.equal(await h1(q), 'New personal access token');
      await q.getByLabel('Name').fill('no script');
      await q.getByLabel('Only the organizations I choose:').check();
      await q.getByLabel(/^Acme Corp/).check();
      // Without the script the choices update on request ("Update choices"), keeping what was typed.
      await click(q, q.getByRole('button', { name: 'Update choices' }));
      assert.equal(await q.getByLabel('Name').inputValue(), 'no script');
      assert.equal(await q.locator('option[value="365"]:not([disabled])').count(), 0, 'no 365-day preset for acme (90 days)');
      assert.equal(await q.getByRole('radio', { name: /^Full access/ }).isVisible(), false);
      await q.getByLabel('Expiration').selectOption({ label: '90 days' });
      await q.getByRole('checkbox', { name: /^code:read/ }).check();
      await click(q, q.getByRole('button', { name: 'Create token' }));
      assert.equal(await h1(q), 'Token “no script” created');
      const secret = await q.getByLabel('Your new token').inputValue();
      assert.equal((await p.req('GET', '/api/v1/tokens/self', { auth: { token: secret } })).json().orgs[0], 'acme');
      await click(q, q.getByRole('link', { name: 'Done' }));
      await click(q, q.getByRole('link', { name: 'Revoke token…' }));
      assert.equal(await h1(q), 'Revoke “no script”?');
      await click(q, q.getByRole('button', { name: 'Revoke token' }));
      assert.equal(await q.getByRole('status').innerText(), 'The token is revoked: it no longer works anywhere.');
      assert.deepEqual(nojs.problems, []);
    } finally {
      await nojs.context.close();
    }
  });
});

/**
 * The user guide's pictures (docs/web.md) of the token, account and admin pages, from an instance
 * of their own with realistic people and tokens (test/helpers/guide.ts): alice signed in, and the
 * instance admin in a browser of their own.
 */
describe('the user guide: pictures of the token, account and admin pages (PATD_SCREENSHOTS=1)', { skip: !browser ? 'chromium is not installed' : shots.docs ? false : 'set PATD_SCREENSHOTS=1 to write docs/images' }, () => {
  let p: TestPatd;
  let base: string;
  let world: Awaited<ReturnType<typeof personalWorld>>;
  const contexts: BrowserContext[] = [];
  const signedIn = async (username: string, password?: string) => {
    const context = await guideContext(browser!);
    contexts.push(context);
    const tab = await openTab(browser!, { context });
    await open(tab.page, `${base}/tokens`);
    await signInHere(tab.page, username, password);
    return tab;
  };

  before(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    p = await startTestPatd('sqlite', { env: { PATD_PUBLIC_URL: GUIDE_URL, PATD_EXPIRY_WARNING_DAYS: '14,3', PATD_TRUST_PROXY: 'true' } });
    assert.equal(await listen(p, port), base);
    world = await personalWorld(p);
  });
  after(async () => {
    for (const c of contexts) await c.close();
    await p?.stop();
  });

  test('sign-in, tokens, a new token, a token, account, organizations, admin; on a phone', { timeout: 120_000 }, async () => {
    const out = await openTab(browser!, { context: await guideContext(browser!) });
    contexts.push(out.context);
    await open(out.page, `${base}/signin`);
    await shots.take(out.page, 'sign-in');

    const { page, problems } = await signedIn('alice');
    await open(page, `${base}/tokens`);
    await shots.take(page, 'tokens');
    p.clock.advance(3 * 60_000);
    await open(page, `${base}/tokens/new`);
    await page.getByLabel('Name').fill('website deploy');
    await page.getByLabel('Only the organizations I choose:').check();
    await page.getByLabel(/^Acme Corp/).check();
    await page.getByRole('checkbox', { name: /^code:write/ }).check();
    await unfocus(page);
    await shots.take(page, 'new-token');
    await click(page, page.getByRole('button', { name: 'Create token' }));
    assert.equal(await h1(page), 'Token “website deploy” created');
    await shots.take(page, 'token-created');
    await open(page, `${base}/tokens/${world.laptop}`);
    assert.equal(await h1(page), 'laptop git');
    await shots.take(page, 'token');
    await page.getByRole('link', { name: 'Revoke token…' }).click();
    await shots.take(page, 'revoke-dialog', { fullPage: false });
    await page.keyboard.press('Escape');
    for (const [name, url] of [['account', '/account'], ['security-log', '/account/security-log'], ['orgs', '/orgs'], ['org', '/orgs/acme']] as const) {
      assert.equal((await open(page, base + url)).status, 200, url);
      await shots.take(page, name);
    }

    const { page: a, problems: adminProblems } = await signedIn('admin', ADMIN_PASSWORD);
    for (const [name, url] of [['admin-users', '/admin/users'], ['admin-user', `/admin/users/${world.bob}`], ['admin-orgs', '/admin/orgs'], ['admin-clients', '/admin/clients']] as const) {
      assert.equal((await open(a, base + url)).status, 200, url);
      await shots.take(a, name);
    }
    await open(a, `${base}/admin/users/new`);
    await a.getByLabel('Username').fill('erin');
    await a.getByLabel('Email').fill('erin@example.com');
    await a.getByLabel('Display name').fill('Erin Evans');
    await unfocus(a);
    await shots.take(a, 'admin-new-user');

    await page.setViewportSize({ width: 360, height: 780 });
    await a.setViewportSize({ width: 360, height: 780 });
    for (const [name, url] of [['tokens-phone', '/tokens'], ['token-phone', `/tokens/${world.laptop}`], ['account-phone', '/account']] as const) {
      await open(page, base + url);
      await shots.take(page, name);
    }
    await open(a, `${base}/admin/users`);
    await shots.take(a, 'admin-users-phone');
    assert.deepEqual([...problems, ...adminProblems], [], 'no console errors on the pictured pages');
  });
});

async function navigationBy(page: Page, act: () => Promise<unknown>) {
  await Promise.all([page.waitForEvent('load'), act()]);
}

/** No focus ring on the last field filled in a picture. */
const unfocus = (page: Page) => page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
