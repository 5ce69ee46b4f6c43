import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchBrowser } from '../helpers/browser.js';
import { GUIDE_URL, guideContext, publicResolver } from '../helpers/guide.js';
import { guidePoster, orgWorld } from '../helpers/guide-org.js';
import { ADMIN_PASSWORD, type Auth, addUser, createToken, startTestPatd, type TestPatd } from '../helpers/harness.js';
import { freePort } from '../helpers/nginx.js';
import { listen } from '../helpers/sibling.js';
import { axeFindings, click, h1, open, openTab, PAGE_CSP, screenshots, scrollWidth, signInHere } from '../helpers/web.js';

const browser: Browser | null = await launchBrowser();
const XSS = '<script>alert(1)</script>"><img src=x onerror=alert(1)>';
const HOUR = 3_600_000;
const shots = screenshots(mkdtempSync(join(tmpdir(), 'patd-web-org-')));
after(() => browser?.close());

/**
 * The org admin pages as a person notices them (SQLite; storage is tested on both dialects
 * elsewhere): no serious axe-core finding on any page or dialog, no horizontal scroll at 360 px,
 * no console or CSP errors, hostile names (org, user, service account, webhook, token) shown as
 * text, the confirmations without JavaScript. The user guide's pictures come from a world of their own (below).
 */
describe('org admin pages: accessibility, small screens, hostile names, no JavaScript (sqlite)', { skip: browser ? false : 'chromium is not installed' }, () => {
  let p: TestPatd;
  let base: string;
  let context: BrowserContext;
  let page: Page;
  let problems: string[];
  let closeHook: () => void;
  /** Per org: the ids its pages need. acme has plain names, evil hostile ones everywhere. */
  const ids: Record<string, { saToken: string; hook: string }> = {};

  before(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    p = await startTestPatd('sqlite', { env: { PATD_PUBLIC_URL: base, PATD_WEBHOOK_ALLOW_PRIVATE: 'true' }, overrides: { notifications: { outbox: { pollMs: 100 } } } });
    assert.equal(await listen(p, port), base);
    const server = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(204).end());
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    closeHook = () => server.close();
    const hookUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/patd`;
    const admin = await p.signIn('admin', ADMIN_PASSWORD);
    const olivia = (await addUser(p, admin, 'olivia', { displayName: 'Olivia Owner' })).auth;
    const people: Record<string, Auth> = {};
    for (const name of ['mia', 'adam', 'noah']) people[name] = (await addUser(p, admin, name, { displayName: name === 'noah' ? XSS : name })).auth;
    await addUser(p, admin, 'ivy');
    p.notifications.outbox.start();
    for (const [org, evil] of [['acme', false], ['evil', true]] as const) {
      const name = (plain: string) => (evil ? XSS : plain);
      const api = (method: 'POST' | 'PUT' | 'DELETE', url: string, body?: object) => p.req(method, `/api/v1/orgs/${org}${url}`, { auth: olivia, body });
      await p.req('POST', '/api/v1/orgs', { auth: olivia, body: { name: org, displayName: name('Acme Corp') } });
      for (const [who, role] of [['mia', 'member'], ['adam', 'admin'], ['noah', 'member']] as const) await p.req('PUT', `/api/v1/orgs/${org}/members/${who}`, { auth: admin, body: { role } });
      await api('POST', '/invitations', { username: 'ivy', role: 'admin' });
      await api('PUT', '/policy', { maxLifetimeDays: 180, ipAllowlist: ['203.0.113.0/24', '2001:db8::/32'], revokeUnusedDays: 90 });
      await api('POST', '/service-accounts', { username: `${org}-ci`, displayName: name('CI pipeline') });
      await api('POST', '/service-accounts', { username: `${org}-release`, displayName: 'Release pipeline' });
      const saToken = (await api('POST', `/service-accounts/${org}-ci/tokens`, { name: name('deploy previews'), scopes: ['code:read', 'packaging:read'] })).json().token.id;
      await api('POST', `/service-accounts/${org}-release/tokens`, { name: 'publish packages', scopes: ['packaging:write'], expiresInDays: 90 });
      const hook = (await api('POST', '/webhooks', { url: hookUrl, description: name('Chat alerts') })).json().webhook.id;
      await api('POST', '/webhooks', { url: 'https://siem.example.com/ingest', description: 'SIEM', events: ['token.revoked', 'token.leaked'] });
      ids[org] = { saToken, hook };
      const laptop = await createToken(p, people.mia as Auth, { name: name('laptop git'), scopes: ['code:write'], orgs: [org], expiresInDays: 30 });
      await createToken(p, people.noah as Auth, { name: 'build agent', scopes: ['build:execute'], orgs: [org], expiresInDays: 60 });
      await api('DELETE', `/tokens/${laptop.id}`);
    }
    p.clock.advance(2 * HOUR);
    await createToken(p, people.adam as Auth, { name: 'adam everywhere', scopes: ['*'], orgs: '*', expiresInDays: 7 });
    for (let i = 0; i < 100 && (await p.req('GET', `/api/v1/orgs/acme/webhooks/${ids.acme?.hook}/deliveries`, { auth: olivia })).json().items.length < 4; i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    context = await browser!.newContext({ viewport: { width: 1280, height: 900 } });
    ({ page, problems } = await openTab(browser!, { context }));
    await open(page, `${base}/orgs/acme/members`);
    await signInHere(page, 'olivia');
  });
  after(async () => {
    closeHook?.();
    await context?.close();
    await p?.stop();
  });

  const allPages = (org = 'acme') => {
    const o = `/orgs/${org}`;
    const sa = `${o}/service-accounts/${org}-ci`;
    const t = `${sa}/tokens/${ids[org]?.saToken}`;
    const hook = `${o}/webhooks/${ids[org]?.hook}`;
    return [
      ['org-members', `${o}/members`], ['remove-member', `${o}/members/mia/remove`], ['org-invitations', `${o}/invitations`],
      ['org-service-accounts', `${o}/service-accounts`], ['org-service-account', sa], ['sa-new-token', `${sa}/tokens/new`],
      ['sa-regenerate', `${t}/regenerate`], ['sa-revoke', `${t}/revoke`], ['sa-delete', `${sa}/delete`], ['sa-secret-gone', `${t}/secret`],
      ['org-policy', `${o}/policy`], ['org-tokens', `${o}/tokens?status=all`], ['org-token-revoke', `${o}/tokens/${ids[org]?.saToken}/revoke`],
      ['org-audit', `${o}/audit`], ['org-webhooks', `${o}/webhooks`], ['org-webhook', hook], ['webhook-delete', `${hook}/delete`], ['webhook-secret-gone', `${hook}/secret`],
    ] as const;
  };
  const o = '/orgs/acme';
  const hookId = () => ids.acme?.hook as string;

  test('axe-core: no serious or critical finding on every page, its dialogs and the secret pages; no console or CSP errors', { timeout: 180_000 }, async () => {
    for (const [, url] of allPages()) {
      const res = await open(page, base + url);
      assert.equal(res.status, 200, url);
      assert.equal(res.csp, PAGE_CSP);
      assert.deepEqual(await axeFindings(page), [], url);
    }
    for (const [url, link] of [[`${o}/members`, 'Remove mia…'], [`${o}/tokens`, /^Revoke /], [`${o}/service-accounts/acme-ci`, 'Delete service account…'], [`${o}/webhooks/${hookId()}`, 'Delete webhook…']] as const) {
      await open(page, base + url);
      await page.getByRole('link', { name: link }).first().click();
      assert.ok(await page.getByRole('dialog').isVisible());
      assert.deepEqual(await axeFindings(page), [], `the dialog on ${url}`);
      await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
    }
    // A refused form, and the secrets shown once.
    await open(page, `${base}${o}/policy`);
    await page.getByLabel('IP allow-list').fill('not-an-address');
    await click(page, page.getByRole('button', { name: 'Save policy' }));
    assert.deepEqual(await axeFindings(page), [], 'the refused policy form');
    await open(page, `${base}${o}/service-accounts/acme-release/tokens/new`);
    await page.getByLabel('Name').fill('one more');
    await page.getByRole('checkbox', { name: /^code:read/ }).check();
    await click(page, page.getByRole('button', { name: 'Create token' }));
    assert.equal(await h1(page), 'Token “one more” created');
    assert.deepEqual(await axeFindings(page), [], 'the new secret');
    await open(page, `${base}${o}/webhooks`);
    await page.getByLabel('Payload URL').fill('https://hooks.example.com/x');
    await click(page, page.getByRole('button', { name: 'Add webhook' }));
    assert.equal(await h1(page), 'Webhook added');
    assert.deepEqual(await axeFindings(page), [], 'the signing secret');
    const expected = (x: string) => /Failed to load resource: the server responded with a status of 400/.test(x) && x.includes('/policy');
    assert.deepEqual(problems.filter((x) => !expected(x)), [], 'no console errors (CSP violations) and no page errors');
  });

  test('at 360 px wide: no horizontal scroll on any page; tables become cards', { timeout: 120_000 }, async () => {
    await page.setViewportSize({ width: 360, height: 780 });
    try {
      for (const [, url] of allPages()) {
        await open(page, base + url);
        assert.deepEqual(await scrollWidth(page), { scroll: 360, viewport: 360 }, url);
      }
      await open(page, `${base}${o}/audit`);
      const cell = await page.locator('table.list td[data-label="Details"]').first().boundingBox();
      assert.ok(cell && cell.width > 300, 'an event is a card as wide as the screen');
    } finally {
      await page.setViewportSize({ width: 1280, height: 900 });
    }
  });

  test('hostile names are text on every page: org, display names, service account, webhook, token', { timeout: 120_000 }, async () => {
    let dialogs = 0;
    page.on('dialog', (d) => {
      dialogs++;
      void d.dismiss();
    });
    for (const [, url] of allPages('evil')) {
      const res = await open(page, base + url);
      assert.equal(res.status, 200, url);
      assert.equal(await page.locator('main img, main script').count(), 0, url);
      assert.equal(await page.getByRole('navigation', { name: 'Breadcrumbs' }).getByRole('link', { name: XSS }).first().innerText(), XSS, `the org's display name on ${url}`);
    }
    await open(page, `${base}/orgs/evil/service-accounts/evil-ci`);
    assert.equal(await h1(page), `${XSS} evil-ci`);
    await open(page, `${base}/orgs/evil/webhooks`);
    assert.equal(await page.getByRole('table').getByRole('link', { name: XSS }).count(), 1, 'the webhook description');
    await open(page, `${base}/orgs/evil/tokens?status=all`);
    assert.equal(await page.locator('.token-name', { hasText: XSS }).count(), 2, 'token names');
    await open(page, `${base}/orgs/evil/audit`);
    assert.ok((await page.locator('td[data-label="Details"]', { hasText: XSS }).count()) > 3, 'names in the audit details');
    assert.equal(dialogs, 0, 'no script ran');
  });

  test('without JavaScript: a revoke and a deletion are confirmed on their own pages', { timeout: 60_000 }, async () => {
    const nojs = await openTab(browser!, { javaScript: false });
    try {
      const { page: q } = nojs;
      await open(q, `${base}${o}/tokens`);
      await signInHere(q, 'olivia');
      await click(q, q.getByRole('link', { name: 'Revoke build agent…' }));
      assert.equal(await h1(q), 'Revoke “build agent” of noah?');
      await click(q, q.getByRole('button', { name: 'Revoke token' }));
      assert.equal(await q.getByRole('status').innerText(), 'The token is revoked: it no longer works anywhere. Its owner is mailed.');
      await open(q, `${base}${o}/service-accounts/acme-release`);
      await click(q, q.getByRole('link', { name: 'Delete service account…' }));
      assert.equal(await h1(q), 'Delete acme-release?');
      await click(q, q.getByRole('link', { name: 'Cancel' }));
      assert.equal(q.url(), `${base}${o}/service-accounts/acme-release`);
      assert.deepEqual(nojs.problems, []);
    } finally {
      await nojs.context.close();
    }
  });
});

/**
 * The user guide's pictures (docs/web.md) of the org admin pages, from an instance of their own:
 * olivia's acme after two weeks (test/helpers/guide-org.ts), webhooks answered without a network.
 */
describe('the user guide: pictures of the org admin pages (PATD_SCREENSHOTS=1)', { skip: !browser ? 'chromium is not installed' : shots.docs ? false : 'set PATD_SCREENSHOTS=1 to write docs/images' }, () => {
  let p: TestPatd;
  let base: string;
  let world: Awaited<ReturnType<typeof orgWorld>>;
  let context: BrowserContext;

  before(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const poster = guidePoster();
    p = await startTestPatd('sqlite', { env: { PATD_PUBLIC_URL: GUIDE_URL, PATD_TRUST_PROXY: 'true' }, overrides: { webhookResolver: publicResolver, notifications: { poster } } });
    assert.equal(await listen(p, port), base);
    world = await orgWorld(p, poster);
    context = await guideContext(browser!);
  });
  after(async () => {
    await context?.close();
    await p?.stop();
  });

  test('members, invitations, a service account and its new token, policy, tokens, audit, a webhook; on a phone', { timeout: 120_000 }, async () => {
    const { page, problems } = await openTab(browser!, { context });
    const o = `${base}/orgs/acme`;
    await open(page, `${o}/members`);
    await signInHere(page, 'olivia');
    for (const [name, url] of [
      ['org-members', '/members'], ['org-invitations', '/invitations'], ['org-service-account', '/service-accounts/acme-ci'], ['org-policy', '/policy'],
      ['org-tokens', '/tokens?status=all'], ['org-audit', '/audit'], ['org-webhook', `/webhooks/${world.chatHook}`],
    ] as const) {
      assert.equal((await open(page, o + url)).status, 200, url);
      await shots.take(page, name, { fullPage: name !== 'org-audit' });
    }
    await open(page, `${o}/tokens`);
    await page.getByRole('link', { name: 'Revoke new laptop git…' }).click();
    await shots.take(page, 'org-revoke-dialog', { fullPage: false });
    await page.keyboard.press('Escape');
    await open(page, `${o}/service-accounts/acme-ci/tokens/new`);
    await page.getByLabel('Name').fill('deploy production');
    await page.getByRole('checkbox', { name: /^code:read/ }).check();
    await page.getByRole('checkbox', { name: /^packaging:read/ }).check();
    await click(page, page.getByRole('button', { name: 'Create token' }));
    assert.equal(await h1(page), 'Token “deploy production” created');
    await shots.take(page, 'org-sa-token-created');
    await page.setViewportSize({ width: 360, height: 780 });
    for (const [name, url] of [['org-members-phone', '/members'], ['org-tokens-phone', '/tokens']] as const) {
      await open(page, o + url);
      await shots.take(page, name);
    }
    assert.deepEqual(problems, [], 'no console errors on the pictured pages');
  });
});
