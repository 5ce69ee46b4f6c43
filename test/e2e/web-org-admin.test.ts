import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from '../helpers/browser.js';
import { curl } from '../helpers/curl.js';
import { dialects } from '../helpers/db.js';
import { ADMIN_PASSWORD, type Auth, addUser, createToken, startTestPatd, type TestPatd } from '../helpers/harness.js';
import { freePort } from '../helpers/nginx.js';
import { listen } from '../helpers/sibling.js';
import { click, h1, open, openTab, signInHere } from '../helpers/web.js';

const browser: Browser | null = await launchBrowser();
after(async () => browser?.close());

const row = (page: Page, name: string | RegExp) => page.getByRole('row').filter({ hasText: name });
/** A refused form answers 4xx, which Chromium reports on the console: expected where the test posts one. */
const unexpected = (problems: string[]) => problems.filter((x) => !/Failed to load resource: the server responded with a status of 4\d\d/.test(x));

/**
 * An org admin's governance in Chromium, found by role and label: revoke a member's token (it
 * stops at once), set a policy (a member's full-access token stops in the org), download the
 * audit CSV and read its rows; change roles (the last owner stays), remove a member, invite and
 * withdraw. On SQLite and PostgreSQL.
 */
for (const dialect of await dialects()) {
  describe(`org admin pages in Chromium: tokens, policy, audit, members, invitations (${dialect})`, { skip: browser ? false : 'chromium is not installed' }, () => {
    let p: TestPatd;
    let base: string;
    let olivia: Auth;
    let mia: Auth;
    before(async () => {
      const port = await freePort();
      base = `http://127.0.0.1:${port}`;
      p = await startTestPatd(dialect, { env: { PATD_PUBLIC_URL: base } });
      assert.equal(await listen(p, port), base);
      const admin = await p.signIn('admin', ADMIN_PASSWORD);
      olivia = (await addUser(p, admin, 'olivia')).auth;
      mia = (await addUser(p, admin, 'mia')).auth;
      await addUser(p, admin, 'ivy');
      assert.equal((await p.req('POST', '/api/v1/orgs', { auth: olivia, body: { name: 'acme', displayName: 'Acme Corp' } })).statusCode, 201);
      // mia joins by consent: invited, she accepts.
      const inv = (await p.req('POST', '/api/v1/orgs/acme/invitations', { auth: olivia, body: { username: 'mia', role: 'member' } })).json();
      assert.equal((await p.req('POST', `/api/v1/me/invitations/${inv.id}`, { auth: mia, body: { action: 'accept' } })).statusCode, 200);
    });
    after(async () => p?.stop());

    test("revoke a member's token, set a policy, download the audit CSV", { timeout: 120_000 }, async () => {
      const everywhere = await createToken(p, mia, { name: 'mia everywhere', scopes: ['*'], orgs: '*' });
      const ci = await createToken(p, mia, { name: 'mia ci', scopes: ['code:read'], orgs: ['acme'] });
      await createToken(p, olivia, { name: 'olivia laptop', scopes: ['code:write'], orgs: ['acme'] });
      const verify = (secret: string) => curl(['-u', `:${secret}`, `${base}/auth/verify?org=acme`]);
      assert.equal((await verify(ci.secret)).status, 200);
      assert.equal((await verify(everywhere.secret)).status, 200);

      const { page, problems, context } = await openTab(browser!);
      try {
        await open(page, `${base}/orgs/acme/tokens`);
        await signInHere(page, 'olivia');
        assert.equal(await h1(page), 'Tokens usable in this organization');
        const sub = page.getByRole('navigation', { name: 'Organization acme' });
        assert.equal(await sub.getByRole('link', { name: 'Tokens' }).getAttribute('aria-current'), 'page');

        // Filter by user, then revoke behind the dialog.
        await page.getByLabel('User').fill('mia');
        await click(page, page.getByRole('button', { name: 'Apply' }));
        assert.deepEqual((await page.locator('tbody .token-name').allTextContents()).sort(), ['mia ci', 'mia everywhere']);
        await row(page, 'mia ci').getByRole('link', { name: 'Revoke mia ci…' }).click();
        const dialog = page.getByRole('dialog', { name: 'Revoke “mia ci” of mia?' });
        await click(page, dialog.getByRole('button', { name: 'Revoke token' }));
        assert.equal(await page.getByRole('status').innerText(), 'The token is revoked: it no longer works anywhere. Its owner is mailed.');
        const stopped = await verify(ci.secret);
        assert.equal(stopped.status, 401);
        assert.equal(stopped.json().code, 'token_revoked');
        await page.getByLabel('Status').selectOption({ label: 'Revoked' });
        await click(page, page.getByRole('button', { name: 'Apply' }));
        assert.deepEqual(await page.locator('tbody .token-name').allTextContents(), ['mia ci']);

        // The policy: no full-access tokens; mia's global full-access token stops in acme (not revoked).
        await click(page, sub.getByRole('link', { name: 'Policy' }));
        assert.equal(await h1(page), 'Token policy');
        assert.match(await page.getByRole('main').innerText(), /Policies hold at use/);
        const full = page.getByRole('checkbox', { name: /^Allow full-access tokens/ });
        assert.ok(await full.isChecked());
        await full.uncheck();
        await page.getByLabel('Longest lifetime').fill('90');
        await click(page, page.getByRole('button', { name: 'Save policy' }));
        assert.equal(await page.getByRole('status').innerText(), 'The policy is saved. It applies to every token at its next use.');
        assert.equal(await full.isChecked(), false);
        assert.equal(await page.getByLabel('Longest lifetime').inputValue(), '90');
        const refused = await verify(everywhere.secret);
        assert.equal(refused.status, 403);
        assert.equal(refused.json().code, 'org_forbidden');
        assert.equal((await curl(['-u', `:${everywhere.secret}`, `${base}/api/v1/tokens/self`])).json().status, 'active', 'not revoked');

        // A bad CIDR is tied to its field.
        await page.getByLabel('IP allow-list').fill('10.0.0.0/8\n300.1.1.1');
        await click(page, page.getByRole('button', { name: 'Save policy' }));
        const list = page.getByLabel('IP allow-list');
        assert.equal(await list.getAttribute('aria-invalid'), 'true');
        assert.match(await page.locator(`#${(await list.getAttribute('aria-describedby'))?.split(' ').pop()}`).innerText(), /"300\.1\.1\.1" is not an IP address or CIDR/);
        assert.equal(await list.inputValue(), '10.0.0.0/8\n300.1.1.1', 'what was typed stays');

        // The audit log, filtered; the CSV download of the same filter.
        await click(page, sub.getByRole('link', { name: 'Audit log' }));
        await page.getByLabel('Action').fill('token.*');
        await click(page, page.getByRole('button', { name: 'Apply' }));
        const actions = await page.locator('td[data-label="What"] code.action').allTextContents();
        assert.ok(actions.includes('token.revoked'), actions.join());
        assert.ok(actions.every((a) => a.startsWith('token.')), actions.join());
        const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download CSV' }).click()]);
        assert.match(download.suggestedFilename(), /^patd-audit-acme-\d{4}-\d{2}-\d{2}\.csv$/);
        const csv = readFileSync(await download.path(), 'utf8').trimEnd().split('\r\n');
        assert.equal(csv[0], 'id,at,action,actor_type,actor_id,actor_name,target_type,target_id,subject_user_id,orgs,ip,user_agent,details');
        const rows = csv.slice(1).map((l) => l.split(','));
        assert.equal(rows.length, actions.length);
        assert.ok(rows.every((r) => r[2]?.startsWith('token.')));
        const revoked = rows.find((r) => r[2] === 'token.revoked');
        assert.deepEqual([revoked?.[5], revoked?.[6], revoked?.[7]], ['olivia', 'token', ci.id], 'olivia revoked mia ci');
        assert.ok(rows.some((r) => r[2] === 'token.created' && r[7] === everywhere.id));
        assert.deepEqual(unexpected(problems), []);
      } finally {
        await context.close();
      }
    });

    test('members and roles: change a role, the last owner stays, remove a member; invite and withdraw', { timeout: 120_000 }, async () => {
      const { page, problems, context } = await openTab(browser!);
      try {
        await open(page, `${base}/orgs/acme/members`);
        await signInHere(page, 'olivia');
        assert.equal(await h1(page), 'Members and roles');
        await row(page, /^mia/).getByLabel('Role of mia', { exact: true }).selectOption('admin');
        await click(page, page.getByRole('button', { name: 'Change role of mia' }));
        assert.equal(await page.getByRole('status').innerText(), 'The role is changed.');
        assert.equal(await page.getByLabel('Role of mia', { exact: true }).inputValue(), 'admin');

        await page.getByLabel('Role of olivia', { exact: true }).selectOption('member');
        await click(page, page.getByRole('button', { name: 'Change role of olivia' }));
        const alert = page.getByRole('alert');
        assert.match(await alert.innerText(), /olivia is the last owner of org "acme" and cannot stop being an owner: make someone else owner first/);
        const mine = page.getByLabel('Role of olivia', { exact: true });
        assert.equal(await mine.getAttribute('aria-invalid'), 'true');
        assert.equal((await p.req('GET', '/api/v1/orgs/acme/members', { auth: olivia })).json().items.find((m: { username: string }) => m.username === 'olivia').role, 'owner');

        // Invite ivy, see the expiry, withdraw.
        await click(page, page.getByRole('link', { name: 'Invite someone' }));
        assert.equal(await h1(page), 'Invitations');
        await page.getByLabel('Username').fill('ivy');
        await page.getByLabel('Role').selectOption({ label: 'admin — manages members, tokens, policy, audit and webhooks' });
        await click(page, page.getByRole('button', { name: 'Send invitation' }));
        assert.match(await page.getByRole('status').innerText(), /^The invitation is sent\./);
        const invited = row(page, 'ivy');
        assert.match(await invited.innerText(), /admin\s+olivia\s+this minute\s+in 7 days/);
        const ivy = await p.signIn('ivy', 'ivy-password-1');
        assert.equal((await p.req('GET', '/api/v1/me/invitations', { auth: ivy })).json().items[0].role, 'admin');
        await click(page, invited.getByRole('button', { name: 'Withdraw the invitation of ivy' }));
        assert.equal(await page.getByRole('status').innerText(), 'The invitation is withdrawn.');
        assert.equal(await row(page, 'ivy').count(), 0);
        assert.equal((await p.req('GET', '/api/v1/me/invitations', { auth: ivy })).json().items.length, 0);

        // Remove mia, behind the dialog: her tokens stop in acme.
        const hers = await createToken(p, mia, { name: 'mia again', scopes: ['code:read'], orgs: ['acme'] });
        await click(page, page.getByRole('navigation', { name: 'Organization acme' }).getByRole('link', { name: 'Members' }));
        await page.getByRole('link', { name: 'Remove mia…' }).click();
        const dialog = page.getByRole('dialog', { name: 'Remove mia from acme?' });
        await dialog.getByRole('button', { name: 'Cancel' }).click();
        assert.equal(await dialog.isVisible(), false);
        await page.getByRole('link', { name: 'Remove mia…' }).click();
        await click(page, dialog.getByRole('button', { name: 'Remove member' }));
        assert.equal(await page.getByRole('status').innerText(), 'The member is removed: their tokens no longer work in this organization.');
        assert.equal(await row(page, /^mia/).count(), 0);
        const gone = await curl(['-u', `:${hers.secret}`, `${base}/auth/verify?org=acme`]);
        assert.equal(gone.status, 403);
        assert.equal(gone.json().code, 'org_forbidden');
        assert.deepEqual(unexpected(problems), []);
      } finally {
        await context.close();
      }
    });
  });
}
