import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from '../helpers/browser.js';
import { curl } from '../helpers/curl.js';
import { dialects } from '../helpers/db.js';
import { ADMIN_PASSWORD, type Auth, addUser, createToken, startTestPatd, type TestPatd } from '../helpers/harness.js';
import { freePort } from '../helpers/nginx.js';
import { listen } from '../helpers/sibling.js';
import { click, fact, h1, open, openTab, signInHere } from '../helpers/web.js';

const browser: Browser | null = await launchBrowser();
after(async () => browser?.close());

/** A webhook receiver on loopback that keeps what it got. */
async function receiver() {
  const got: { headers: IncomingHttpHeaders; body: string }[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      got.push({ headers: req.headers, body });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/patd-hook`, got, close: () => new Promise((r) => server.close(r)) };
}

const secretOf = (page: Page, label = 'Your new token') => page.getByLabel(label).inputValue();

/**
 * Automation in an org, in Chromium: a service account with a token (the copied secret works
 * against /auth/verify?org=…), regenerated with a grace period and revoked, then the account
 * deleted; a webhook to a real loopback listener (PATD_WEBHOOK_ALLOW_PRIVATE=true) whose
 * delivery appears in its log. On SQLite and PostgreSQL.
 */
for (const dialect of await dialects()) {
  describe(`org admin pages in Chromium: service accounts and webhooks (${dialect})`, { skip: browser ? false : 'chromium is not installed' }, () => {
    let p: TestPatd;
    let base: string;
    let olivia: Auth;
    before(async () => {
      const port = await freePort();
      base = `http://127.0.0.1:${port}`;
      p = await startTestPatd(dialect, {
        env: { PATD_PUBLIC_URL: base, PATD_WEBHOOK_ALLOW_PRIVATE: 'true' }, overrides: { notifications: { outbox: { pollMs: 100 } } },
      });
      assert.equal(await listen(p, port), base);
      p.notifications.outbox.start();
      const admin = await p.signIn('admin', ADMIN_PASSWORD);
      olivia = (await addUser(p, admin, 'olivia')).auth;
      assert.equal((await p.req('POST', '/api/v1/orgs', { auth: olivia, body: { name: 'acme', displayName: 'Acme Corp' } })).statusCode, 201);
      await p.req('PUT', '/api/v1/orgs/acme/policy', { auth: olivia, body: { maxLifetimeDays: 90 } });
    });
    after(async () => p?.stop());

    test('a service account: create it, a token (used with curl), regenerate with a grace period, revoke, delete', { timeout: 120_000 }, async () => {
      const { page, problems, context } = await openTab(browser!);
      const verify = (secret: string) => curl(['-u', `:${secret}`, `${base}/auth/verify?org=acme`]);
      try {
        await open(page, `${base}/orgs/acme/service-accounts`);
        await signInHere(page, 'olivia');
        assert.equal(await h1(page), 'Service accounts');
        await page.getByLabel('Username').fill('deploy-bot');
        await page.getByLabel('Display name').fill('Release pipeline');
        await click(page, page.getByRole('button', { name: 'Create service account' }));
        assert.equal(page.url(), `${base}/orgs/acme/service-accounts/deploy-bot?done=created`);
        assert.equal(await h1(page), 'Release pipeline deploy-bot');
        assert.equal(await fact(page, 'Organization'), 'acme');

        // A token: the form offers what acme's policy allows (90 days).
        await click(page, page.getByRole('link', { name: 'New token' }));
        assert.equal(await h1(page), 'New token for deploy-bot');
        assert.match(await page.getByText('The policy of acme allows at most 90 days.').innerText(), /90 days/);
        assert.deepEqual(await page.getByLabel('Expiration').locator('option:not([disabled])').allTextContents(), ['7 days', '30 days (default)', '60 days', '90 days', 'Custom date…']);
        await page.getByLabel('Name').fill('release deploys');
        await page.getByRole('checkbox', { name: /^code:write/ }).check();
        await click(page, page.getByRole('button', { name: 'Create token' }));
        assert.equal(await h1(page), 'Token “release deploys” created');
        const first = await secretOf(page);
        assert.match(first, /^patd_[0-9A-Za-z]{49}$/);
        const snippet = await page.locator('pre', { hasText: '/auth/verify' }).innerText();
        assert.equal(snippet, `curl -u :${first} "${base}/auth/verify?org=acme"`);
        let res = await verify(first);
        assert.equal(res.status, 200, res.body);
        assert.equal(res.headers['x-patd-user'], 'deploy-bot');
        assert.equal(res.headers['x-patd-scopes'], 'code:write');
        await page.reload();
        assert.equal(await h1(page), 'The secret is no longer shown');
        await click(page, page.getByRole('link', { name: 'Back to deploy-bot' }));

        // Regenerate, keeping the old secret for an hour.
        await click(page, page.getByRole('link', { name: 'Regenerate release deploys…' }));
        await page.getByLabel('Keep the old secret working for 1 hour').check();
        await click(page, page.getByRole('button', { name: 'Regenerate token' }));
        assert.equal(await h1(page), 'New secret for “release deploys”');
        const second = await secretOf(page);
        assert.notEqual(second, first);
        assert.equal((await verify(second)).status, 200);
        assert.equal((await verify(first)).status, 200, 'the old secret works during the grace period');
        p.clock.advance(3_601_000);
        res = await verify(first);
        assert.equal(res.status, 401);
        assert.equal(res.json().code, 'token_rotated');
        await click(page, page.getByRole('link', { name: 'Done' }));

        // Revoke, behind the dialog.
        await page.getByRole('link', { name: 'Revoke release deploys…' }).click();
        await click(page, page.getByRole('dialog', { name: 'Revoke “release deploys”?' }).getByRole('button', { name: 'Revoke token' }));
        assert.equal(await page.getByRole('status').innerText(), 'The token is revoked: it no longer works anywhere.');
        assert.equal((await verify(second)).json().code, 'token_revoked');

        // Delete the account (its other token is revoked with it).
        const other = (await p.req('POST', '/api/v1/orgs/acme/service-accounts/deploy-bot/tokens', { auth: olivia, body: { name: 'backup', scopes: ['code:read'] } })).json();
        assert.equal((await verify(other.secret)).status, 200);
        await page.reload();
        await page.getByRole('link', { name: 'Delete service account…' }).click();
        const dialog = page.getByRole('dialog', { name: 'Delete deploy-bot?' });
        assert.match(await dialog.innerText(), /All of its tokens are revoked at once/);
        await click(page, dialog.getByRole('button', { name: 'Delete service account' }));
        assert.equal(page.url(), `${base}/orgs/acme/service-accounts?done=deleted`);
        assert.equal(await page.getByRole('status').innerText(), 'The service account is deleted and its tokens are revoked.');
        assert.equal(await page.getByRole('link', { name: 'deploy-bot' }).count(), 0);
        assert.equal((await verify(other.secret)).json().code, 'token_revoked');
        assert.deepEqual(problems, []);
      } finally {
        await context.close();
      }
    });

    test('a webhook to a loopback listener: the secret once, a delivery in its log, delete', { timeout: 120_000 }, async () => {
      const hook = await receiver();
      const { page, problems, context } = await openTab(browser!);
      try {
        await open(page, `${base}/orgs/acme/webhooks`);
        await signInHere(page, 'olivia');
        assert.equal(await h1(page), 'Webhooks');
        await page.getByLabel('Payload URL').fill(hook.url);
        await page.getByLabel('Description').fill('chat alerts');
        await page.getByRole('checkbox', { name: /^token\.expiring/ }).uncheck();
        await click(page, page.getByRole('button', { name: 'Add webhook' }));
        assert.equal(await h1(page), 'Webhook added');
        const secret = await secretOf(page, 'Signing secret');
        assert.match(secret, /^whsec_/);
        await click(page, page.getByRole('link', { name: 'Done' }));
        assert.equal(await h1(page), 'chat alerts');
        assert.deepEqual((await fact(page, 'Events')).split(/\s+/), ['token.created', 'token.regenerated', 'token.revoked', 'token.leaked']);
        assert.match(await page.getByRole('region', { name: 'Deliveries' }).innerText(), /Nothing has been sent yet/);

        // Something happens in acme: the listener gets a signed message and the log shows it.
        const mia = (await addUser(p, await p.signIn('admin', ADMIN_PASSWORD), 'mia')).auth;
        const inv = (await p.req('POST', '/api/v1/orgs/acme/invitations', { auth: olivia, body: { username: 'mia', role: 'member' } })).json();
        await p.req('POST', `/api/v1/me/invitations/${inv.id}`, { auth: mia, body: { action: 'accept' } });
        const t = await createToken(p, mia, { name: 'mia ci', scopes: ['code:read'], orgs: ['acme'] });
        for (let i = 0; i < 100 && hook.got.length === 0; i++) await new Promise((r) => setTimeout(r, 100));
        const got = hook.got[0];
        assert.ok(got, 'the listener got a delivery within 10 s');
        const sig = createHmac('sha256', Buffer.from(secret.slice('whsec_'.length), 'base64'))
          .update(`${got.headers['webhook-id']}.${got.headers['webhook-timestamp']}.${got.body}`).digest('base64');
        assert.equal(got.headers['webhook-signature'], `v1,${sig}`, 'signed with the secret the page showed');
        assert.equal(JSON.parse(got.body).data.token.id, t.id);
        let log = '';
        for (let i = 0; i < 50 && !/Delivered/.test(log); i++) {
          await page.reload();
          log = await page.getByRole('region', { name: 'Deliveries' }).innerText();
        }
        assert.match(log, /token\.created/);
        assert.match(log, /Delivered\s+HTTP 204/);
        assert.equal(await page.locator('td[data-label="Attempt"]').first().innerText(), '1');

        await page.getByRole('link', { name: 'Delete webhook…' }).click();
        await click(page, page.getByRole('dialog', { name: 'Delete the webhook “chat alerts”?' }).getByRole('button', { name: 'Delete webhook' }));
        assert.equal(await page.getByRole('status').innerText(), 'The webhook is deleted: nothing more is sent to it.');
        assert.match(await page.getByRole('main').innerText(), /No webhooks yet/);
        assert.deepEqual(problems, []);
      } finally {
        await context.close();
        await hook.close();
      }
    });
  });
}
