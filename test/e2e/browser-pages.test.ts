import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { launchBrowser } from '../helpers/browser.js';
import { ADMIN_PASSWORD, type Auth, addUser, createToken, startTestPatd, T0, type TestPatd } from '../helpers/harness.js';
import { freePort } from '../helpers/nginx.js';
import { listen } from '../helpers/sibling.js';

const DAY = 86_400_000;
const GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
import { PAGE_CSP as CSP } from '../helpers/web.js';

/** One Chromium for the whole file (null: not installed, outside CI; the tests are skipped). */
const browser = await launchBrowser();

/**
 * The server-rendered pages in a real browser (Debian's Chromium through playwright-core):
 * the token page the mails link to and the RFC 8628 device approval page, each reached
 * signed out, signed in through the page's own form, then used by clicking its buttons.
 * The storage is tested on both dialects elsewhere; SQLite is enough here.
 */
describe('the HTML pages in Chromium (sqlite)', { skip: browser ? false : 'chromium is not installed' }, () => {
  let p: TestPatd;
  let base: string;
  let alice: { id: string; auth: Auth };
  const contexts: BrowserContext[] = [];
  const shots = mkdtempSync(join(tmpdir(), 'patd-browser-'));

  before(async () => {
    // The public URL goes into the device links, so the port is chosen before patd starts.
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    p = await startTestPatd('sqlite', { env: { PATD_PUBLIC_URL: base } });
    assert.equal(await listen(p, port), base);
    alice = await addUser(p, await p.signIn('admin', ADMIN_PASSWORD), 'alice');
  });
  after(async () => {
    for (const c of contexts) await c.close();
    await browser?.close();
    await p?.stop();
    process.stderr.write(`browser screenshots: ${shots}\n`);
  });

  /**
   * A page in a fresh browser context (no cookies) and what went wrong in it: console errors
   * (CSP violations are reported there) and uncaught page errors.
   */
  async function openPage(): Promise<{ page: Page; problems: string[] }> {
    const context = await browser!.newContext();
    contexts.push(context);
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console error at ${m.location().url}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    return { page, problems };
  }

  /** Clicks a submit button and waits for the document it leads to (after redirects); returns its HTTP status and CSP. */
  async function submit(page: Page, button: Locator): Promise<{ status: number; csp?: string }> {
    const [res] = await Promise.all([
      page.waitForResponse((r) => r.request().isNavigationRequest() && r.frame() === page.mainFrame() && (r.status() < 300 || r.status() >= 400)),
      page.waitForEvent('load'),
      button.click(),
    ]);
    return { status: res.status(), csp: res.headers()['content-security-policy'] };
  }

  /** Opens a URL; returns the document's HTTP status and CSP. */
  async function open(page: Page, url: string): Promise<{ status: number; csp?: string }> {
    const res = await page.goto(url);
    assert.ok(res, `no response for ${url}`);
    return { status: res.status(), csp: res.headers()['content-security-policy'] };
  }

  /** Fills a page's sign-in form and submits it; the browser comes back to `url`. */
  async function signIn(page: Page, url: string, username: string) {
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password').fill(`${username}-password-1`);
    assert.deepEqual(await submit(page, page.getByRole('button', { name: 'Sign in' })), { status: 200, csp: CSP });
    assert.equal(page.url(), url);
  }

  const h1 = (page: Page) => page.getByRole('heading', { level: 1 }).textContent();
  /** The <dd> of a <dt> in a page's definition list. */
  const dd = (page: Page, term: string) => page.locator('dt', { hasText: term }).locator('xpath=following-sibling::dd[1]').innerText();
  const form = (b: Record<string, string>) => new URLSearchParams(b);
  const startDevice = async (clientId: string) => {
    const res = await fetch(`${base}/oauth/device_authorization`, { method: 'POST', body: form({ client_id: clientId, scope: 'code:read' }) });
    assert.equal(res.status, 200);
    const s = (await res.json()) as { device_code: string; user_code: string; verification_uri_complete: string };
    assert.equal(s.verification_uri_complete, `${base}/device?user_code=${s.user_code}`);
    return s;
  };
  const poll = (deviceCode: string, clientId: string) =>
    fetch(`${base}/oauth/token`, { method: 'POST', body: form({ grant_type: GRANT, device_code: deviceCode, client_id: clientId }) });

  test('token page from the creation mail: sign in, renew for 90 days, revoke', { timeout: 60_000 }, async () => {
    const t = await createToken(p, alice.auth, { name: 'laptop <git>', scopes: ['code:read', 'profile:read'], expiresInDays: 7 });
    const url = `${base}/tokens/${t.id}`;
    const { page, problems } = await openPage();

    assert.deepEqual(await open(page, url), { status: 200, csp: CSP });
    assert.equal(await h1(page), 'Sign in to see your token');
    // On a phone-sized screen the inputs stay inside the form (no sideways scrolling).
    await page.setViewportSize({ width: 360, height: 740 });
    const field = await page.getByLabel('Username').boundingBox();
    const box = await page.locator('form').boundingBox();
    assert.ok(field && box && field.x + field.width <= box.x + box.width + 0.5, `input ${JSON.stringify(field)} overflows form ${JSON.stringify(box)}`);
    assert.equal(await page.evaluate(() => document.documentElement.scrollWidth), 360);
    await page.setViewportSize({ width: 1280, height: 720 });
    await signIn(page, url, 'alice');

    assert.equal(await h1(page), 'laptop <git>', 'the name, escaped in the HTML, reads as typed');
    const hint = `${t.secret.slice(0, 5)}…${t.secret.slice(-4)}`;
    assert.equal(await dd(page, 'Hint'), hint);
    assert.deepEqual(await page.locator('dt', { hasText: 'Scopes' }).locator('xpath=following-sibling::dd[1]//code').allTextContents(), ['code:read', 'profile:read']);
    assert.equal(await dd(page, 'Status'), 'Active');
    // Times are rendered in <time datetime> and shown in the browser's locale by the page script.
    assert.equal(await page.locator('dt', { hasText: 'Expires' }).locator('xpath=following-sibling::dd[1]//small/time').getAttribute('datetime'), new Date(T0 + 7 * DAY).toISOString());
    assert.ok(!(await page.content()).includes(t.secret), 'never the secret');

    const renewTo = new Date(T0 + 90 * DAY).toISOString();
    await page.getByLabel('Renew: expire in').selectOption({ label: '90 days' });
    assert.deepEqual(await submit(page, page.getByRole('button', { name: 'Renew' })), { status: 200, csp: CSP });
    assert.equal(page.url(), `${url}?done=renewed&days=90`, 'post/redirect/get: the result has a URL of its own');
    assert.equal(await page.getByRole('status').textContent(), 'The token is renewed.');
    assert.equal(await page.locator('dt', { hasText: 'Expires' }).locator('xpath=following-sibling::dd[1]//small/time').getAttribute('datetime'), renewTo);
    assert.equal(await page.getByLabel('Renew: expire in').inputValue(), '90', 'the choice stays selected');
    // A reload shows the same page and renews nothing (the clock here stands still, so a second
    // renewal would not move the date: count the audit events instead).
    const renewals = async () => (await p.req('GET', '/api/v1/me/audit?action=token.updated', { auth: alice.auth })).json().items.length;
    const before = await renewals();
    assert.ok(before >= 1, 'the renewal was recorded');
    assert.equal((await page.reload())?.status(), 200);
    assert.equal(await renewals(), before);
    assert.equal((await p.req('GET', `/api/v1/tokens/${t.id}`, { auth: alice.auth })).json().expiresAt, renewTo);
    await page.screenshot({ path: join(shots, 'token-renewed.png'), fullPage: true });

    assert.equal((await p.req('GET', '/api/v1/me', { auth: { token: t.secret } })).statusCode, 200);
    // Revoking asks first: the link opens a dialog (its no-script fallback is a confirmation page).
    await page.getByRole('link', { name: 'Revoke token…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Revoke “laptop <git>”?' });
    assert.ok(await dialog.isVisible());
    assert.deepEqual(await submit(page, dialog.getByRole('button', { name: 'Revoke token' })), { status: 200, csp: CSP });
    assert.equal(await page.getByRole('status').textContent(), 'The token is revoked: it no longer works anywhere.');
    assert.equal(await dd(page, 'Status'), 'Revoked');
    assert.equal(await page.getByRole('main').getByRole('button').count(), 0, 'a revoked token offers no actions');
    await page.screenshot({ path: join(shots, 'token-revoked.png'), fullPage: true });
    const used = await p.req('GET', '/api/v1/me', { auth: { token: t.secret } });
    assert.equal(used.statusCode, 401);
    assert.equal(used.json().code, 'token_revoked');

    assert.deepEqual(problems, [], 'no console errors (CSP violations) and no page errors');
  });

  test('device page (RFC 8628): sign in, see the request, approve; the device gets a working token', { timeout: 60_000 }, async () => {
    const s = await startDevice('browser-test');
    const { page, problems } = await openPage();

    assert.deepEqual(await open(page, s.verification_uri_complete), { status: 200, csp: CSP });
    assert.equal(await h1(page), 'Sign in to approve a device');
    await signIn(page, s.verification_uri_complete, 'alice');

    assert.equal(await h1(page), 'Approve access?');
    assert.equal(await page.locator('p.code').textContent(), s.user_code);
    assert.equal(await dd(page, 'Client'), 'browser-test');
    assert.deepEqual(await page.locator('dt', { hasText: 'Scopes' }).locator('xpath=following-sibling::dd[1]//code').allTextContents(), ['code:read']);
    await page.screenshot({ path: join(shots, 'device-approve.png'), fullPage: true });
    assert.deepEqual(await submit(page, page.getByRole('button', { name: 'Approve' })), { status: 200, csp: CSP });
    assert.equal(await h1(page), 'Device approved');
    assert.equal(page.url(), `${base}/device?done=approved`);
    assert.match((await page.locator('body').textContent()) ?? '', /now receives its token/);
    assert.equal((await page.reload())?.status(), 200, 'a reload shows the result again, not an error');
    assert.equal(await h1(page), 'Device approved');
    await page.screenshot({ path: join(shots, 'device-approved.png'), fullPage: true });

    const res = await poll(s.device_code, 'browser-test');
    assert.equal(res.status, 200);
    const tok = (await res.json()) as { access_token: string; scope: string };
    assert.match(tok.access_token, /^patd_/);
    assert.equal(tok.scope, 'code:read');
    const self = await p.req('GET', '/api/v1/tokens/self', { auth: { token: tok.access_token } });
    assert.equal(self.statusCode, 200, self.body);
    assert.equal(self.json().createdVia, 'device');
    assert.equal(self.json().clientName, 'browser-test');

    assert.deepEqual(problems, [], 'no console errors (CSP violations) and no page errors');
  });

  test('device page: deny; the device is told access_denied', { timeout: 60_000 }, async () => {
    const s = await startDevice('browser-test');
    const { page, problems } = await openPage();
    assert.deepEqual(await open(page, s.verification_uri_complete), { status: 200, csp: CSP });
    await signIn(page, s.verification_uri_complete, 'alice');
    assert.equal(await dd(page, 'Client'), 'browser-test');
    assert.deepEqual(await submit(page, page.getByRole('button', { name: 'Deny' })), { status: 200, csp: CSP });
    assert.equal(await h1(page), 'Request denied');
    const res = await poll(s.device_code, 'browser-test');
    assert.equal(res.status, 400);
    assert.equal(((await res.json()) as { error: string }).error, 'access_denied');
    assert.deepEqual(problems, [], 'no console errors (CSP violations) and no page errors');
  });

  test('the CSP is enforced, and what it blocks reaches the console listener', { timeout: 60_000 }, async () => {
    // The check the tests above end with would catch a page the CSP breaks: what the policy
    // refuses shows up as a console error.
    const { page, problems } = await openPage();
    assert.deepEqual(await open(page, `${base}/device`), { status: 200, csp: CSP });
    const reported = page.waitForEvent('console', { predicate: (m) => m.type() === 'error', timeout: 10_000 });
    // An inline script, which the policy (script-src 'self', no 'unsafe-inline') refuses to run.
    await page.evaluate(() => {
      const script = document.createElement('script');
      script.textContent = 'document.title = "ran"';
      document.body.append(script);
    });
    await reported;
    assert.notEqual(await page.title(), 'ran');
    assert.equal(problems.length, 1, problems.join('\n'));
    assert.match(problems[0] ?? '', /Content Security Policy/);
  });
});
