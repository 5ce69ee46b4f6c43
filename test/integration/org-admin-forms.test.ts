import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { dialects } from '../helpers/db.js';
import { startTestPatd, type TestPatd } from '../helpers/harness.js';
import { type OrgWorld, orgWorld, pages, publicResolver, text } from '../helpers/org-admin.js';

/** Whether the error message `errorId` is on the page and a field (or group) points at it. */
const tiedTo = (html: string, errorId: string) => new RegExp(`aria-describedby="[^"]*\\b${errorId}\\b`).test(html) && html.includes(`id="${errorId}"`);

/**
 * The org admin forms without a browser: each refusal of the use case comes back on the form, at
 * its field, with what was typed; each success redirects (post/redirect/get). On both dialects.
 */
for (const dialect of await dialects()) {
  describe(`org admin forms (${dialect})`, () => {
    let p: TestPatd;
    let w: OrgWorld;
    let web: ReturnType<typeof pages>;
    before(async () => {
      p = await startTestPatd(dialect, { overrides: { webhookResolver: publicResolver } });
      w = await orgWorld(p);
      web = pages(p);
    });
    after(() => p.stop());

    test('roles: the last owner stays (409 last_owner at her role); only owners grant owner; a change redirects', async () => {
      let res = await web.get('/orgs/acme/members', w.adam.auth);
      assert.doesNotMatch(res.body, /<option value="owner"/, 'an admin is not offered the owner role');
      assert.match(text(res.body), /olivia owner Only owners change an owner's role\./);

      res = await web.post('/orgs/acme/members/olivia/role', w.olivia.auth, { role: 'admin' });
      assert.equal(res.statusCode, 409);
      assert.match(text(res.body), /olivia is the last owner of org "acme" and cannot stop being an owner: make someone else owner first/);
      const row = /Role of olivia<\/label><select id="(role-\d+)"/.exec(res.body);
      assert.ok(row && tiedTo(res.body, `${row[1]}-error`), 'the message is tied to her role field');
      assert.match(res.body, new RegExp(`<select id="${row[1]}"[^>]*>(?:(?!</select>).)*<option value="admin" selected`), 'the asked role is kept');

      res = await web.post('/orgs/acme/members/mia/role', w.adam.auth, { role: 'owner' });
      assert.equal(res.statusCode, 403);
      assert.match(text(res.body), /Only owners can grant or take away the owner role\./);

      res = await web.post('/orgs/acme/members/mia/role', w.olivia.auth, { role: 'admin' });
      assert.equal(res.statusCode, 303);
      assert.equal(res.headers.location, '/orgs/acme/members?done=role');
      assert.match(text((await web.get('/orgs/acme/members?done=role', w.olivia.auth)).body), /The role is changed\./);
      assert.equal((await p.req('GET', '/api/v1/orgs/acme/members', { auth: w.olivia.auth })).json().items.find((m: { username: string }) => m.username === 'mia').role, 'admin');
      await web.post('/orgs/acme/members/mia/role', w.olivia.auth, { role: 'member' });
    });

    test('removing: a service account is deleted instead (409); a removed member is asked for first and their token stops in the org', async () => {
      let res = await web.post('/orgs/acme/members/ci/remove', w.olivia.auth, {});
      assert.equal(res.statusCode, 409);
      assert.match(text(res.body), /"ci" is a service account: delete it instead/);
      res = await web.get('/orgs/acme/members/mia/remove', w.adam.auth);
      assert.equal(res.statusCode, 200);
      assert.match(text(res.body), /Remove mia from acme\? Their tokens stop working in this organization at once/);
      res = await web.post('/orgs/acme/members/mia/remove', w.adam.auth, {});
      assert.equal(res.statusCode, 303);
      assert.equal(res.headers.location, '/orgs/acme/members?done=removed');
      const verify = await p.req('GET', '/auth/verify?org=acme', { auth: { token: w.miaToken.secret } });
      assert.equal(verify.statusCode, 403);
      assert.equal(verify.json().code, 'org_forbidden');
      await p.req('PUT', '/api/v1/orgs/acme/members/mia', { auth: w.admin, body: { role: 'member' } });
    });

    test('invitations: an unknown user, a member, a second invitation and owner-by-an-admin are refused at their field; invite and withdraw redirect', async () => {
      let res = await web.post('/orgs/acme/invitations', w.adam.auth, { username: 'nobody', role: 'member' });
      assert.equal(res.statusCode, 404);
      assert.ok(tiedTo(res.body, 'username-error'));
      assert.match(text(res.body), /No user "nobody"\./);
      assert.match(res.body, /id="username" name="username" value="nobody"/, 'what was typed stays');
      res = await web.post('/orgs/acme/invitations', w.adam.auth, { username: 'mia', role: 'member' });
      assert.equal(res.statusCode, 409);
      assert.match(text(res.body), /mia is already a member of org "acme"\./);
      res = await web.post('/orgs/acme/invitations', w.adam.auth, { username: 'ivy', role: 'admin' });
      assert.equal(res.statusCode, 409, 'ivy has a pending invitation');
      assert.ok(tiedTo(res.body, 'username-error'));
      res = await web.post('/orgs/acme/invitations', w.adam.auth, { username: 'gus', role: 'owner' });
      assert.equal(res.statusCode, 403);
      assert.ok(tiedTo(res.body, 'role-error'));

      res = await web.post('/orgs/acme/invitations', w.adam.auth, { username: 'gus', role: 'admin' });
      assert.equal(res.statusCode, 303);
      res = await web.get(res.headers.location as string, w.adam.auth);
      assert.match(text(res.body), /The invitation is sent\./);
      assert.match(text(res.body), /gus admin adam just now in 7 days/);
      const id = (await p.req('GET', '/me/invitations'.replace(/^/, '/api/v1'), { auth: w.gus.auth })).json().items[0].id;
      res = await web.post(`/orgs/acme/invitations/${id}/withdraw`, w.adam.auth, {});
      assert.equal(res.statusCode, 303);
      assert.equal((await p.req('GET', '/api/v1/me/invitations', { auth: w.gus.auth })).json().items.length, 0);
      assert.equal((await web.post(`/orgs/acme/invitations/${id}/withdraw`, w.adam.auth, {})).statusCode, 404, 'only once');
    });

    test('policy: a bad CIDR and out-of-range days are tied to their fields and keep the form; a saved policy holds at use', async () => {
      const typed = { max_lifetime_days: '90', allow_global: 'on', ip_allowlist: '10.0.0.0/8\n192.168.1.0/33', revoke_unused_days: '', auto_revoke_leaked: 'on' };
      let res = await web.post('/orgs/acme/policy', w.adam.auth, typed);
      assert.equal(res.statusCode, 400);
      assert.ok(tiedTo(res.body, 'ip_allowlist-error'));
      assert.match(text(res.body), /"192\.168\.1\.0\/33" has a bad prefix length\. Write one address or CIDR range per line/);
      assert.match(res.body, /<textarea id="ip_allowlist"[^>]*>10\.0\.0\.0\/8\n192\.168\.1\.0\/33<\/textarea>/);
      assert.match(res.body, /id="allow_full" name="allow_full" value="on" aria-describedby/, 'full access stays unticked as typed');
      assert.doesNotMatch(res.body, /id="allow_full" name="allow_full" value="on" checked/);

      res = await web.post('/orgs/acme/policy', w.adam.auth, { ...typed, ip_allowlist: '', max_lifetime_days: '400' });
      assert.equal(res.statusCode, 400);
      assert.ok(tiedTo(res.body, 'max_lifetime_days-error'));
      assert.match(text(res.body), /The longest lifetime must be 1 to 365 days/);
      res = await web.post('/orgs/acme/policy', w.adam.auth, { ...typed, ip_allowlist: '', revoke_unused_days: 'soon' });
      assert.equal(res.statusCode, 400);
      assert.ok(tiedTo(res.body, 'revoke_unused_days-error'));
      res = await web.post('/orgs/acme/policy', w.adam.auth, { ...typed, ip_allowlist: '', revoke_unused_days: '0' });
      assert.equal(res.statusCode, 400, 'the use case keeps the API schema bounds');
      assert.ok(tiedTo(res.body, 'revoke_unused_days-error'));
      assert.equal((await p.req('GET', '/api/v1/orgs/acme/policy', { auth: w.adam.auth })).json().maxLifetimeDays, null, 'nothing saved');

      res = await web.post('/orgs/acme/policy', w.adam.auth, { ...typed, ip_allowlist: ' 10.0.0.0/8 \r\n\r\n2001:db8::/32\r\n', revoke_unused_days: '120' });
      assert.equal(res.statusCode, 303);
      assert.equal(res.headers.location, '/orgs/acme/policy?done=saved');
      assert.deepEqual((await p.req('GET', '/api/v1/orgs/acme/policy', { auth: w.adam.auth })).json(), {
        maxLifetimeDays: 90, allowGlobalTokens: true, allowFullAccess: false, ipAllowlist: ['10.0.0.0/8', '2001:db8::/32'], revokeUnusedDays: 120, autoRevokeLeaked: true,
      });
      res = await web.get('/orgs/acme/policy?done=saved', w.adam.auth);
      assert.match(text(res.body), /The policy is saved\./);
      assert.match(res.body, /<textarea id="ip_allowlist"[^>]*>10\.0\.0\.0\/8\n2001:db8::\/32<\/textarea>/);
      // Mia's full-access token now stops in acme (allowFullAccess), without being revoked.
      const v = await p.req('GET', '/auth/verify?org=acme', { auth: { token: w.miaToken.secret } });
      assert.equal(v.statusCode, 403);
      assert.match(v.json().detail, /does not accept full-access/);
      await p.req('PUT', '/api/v1/orgs/acme/policy', { auth: w.olivia.auth, body: { maxLifetimeDays: null, allowFullAccess: true, ipAllowlist: [], revokeUnusedDays: null } });
    });

    test('audit: filters as the API takes them, a bad one at its field; the CSV download is the API format=csv, as an attachment', async () => {
      let res = await web.get('/orgs/acme/audit?action=token.*', w.adam.auth);
      assert.equal(res.statusCode, 200);
      const actions = [...res.body.matchAll(/<code class="action">([^<]+)<\/code>/g)].map((m) => m[1]);
      assert.ok(actions.length > 0 && actions.every((a) => a?.startsWith('token.')), actions.join());
      res = await web.get('/orgs/acme/audit?action=DROP TABLE&since=yesterday', w.adam.auth);
      assert.equal(res.statusCode, 400);
      assert.ok(tiedTo(res.body, 'action-error'));
      res = await web.get('/orgs/acme/audit?since=yesterday', w.adam.auth);
      assert.ok(tiedTo(res.body, 'since-error'));

      const q = 'action=org.*&since=2020-01-01';
      const csv = await web.get(`/orgs/acme/audit.csv?${q}`, w.adam.auth);
      assert.equal(csv.statusCode, 200);
      assert.equal(csv.headers['content-type'], 'text/csv; charset=utf-8');
      assert.match(csv.headers['content-disposition'] as string, /^attachment; filename="patd-audit-acme-\d{4}-\d{2}-\d{2}\.csv"$/);
      assert.equal(csv.headers['cache-control'], 'no-store');
      const api = await p.req('GET', `/api/v1/orgs/acme/audit?${q}&format=csv&limit=200`, { auth: w.adam.auth });
      assert.equal(csv.body, api.body, 'the same rows in the same format');
      const lines = csv.body.trimEnd().split('\r\n');
      assert.equal(lines[0], 'id,at,action,actor_type,actor_id,actor_name,target_type,target_id,subject_user_id,orgs,ip,user_agent,details');
      assert.ok(lines.slice(1).some((l) => l.includes(',org.member_updated,')), 'the role change is in it');
      assert.equal((await web.get('/orgs/acme/audit.csv?until=never', w.adam.auth)).statusCode, 400, 'a bad filter is an error page, not a broken file');
    });

    test('webhooks: a private address is refused at the URL field; the secret is shown once; a hostile description is text', async () => {
      let res = await web.post('/orgs/acme/webhooks', w.adam.auth, { url: 'http://127.0.0.1:8080/hook', description: 'local', event: 'token.created' });
      assert.equal(res.statusCode, 400);
      assert.ok(tiedTo(res.body, 'url-error'));
      assert.match(text(res.body), /The URL must not point to a loopback, private, link-local or otherwise internal address\./);
      assert.match(res.body, /id="url" name="url" value="http:\/\/127\.0\.0\.1:8080\/hook"/);
      res = await web.post('/orgs/acme/webhooks', w.adam.auth, { url: 'https://hooks.example.com/x', description: 'no events' });
      assert.equal(res.statusCode, 400);
      assert.match(text(res.body), /Choose at least one event\./);

      const hostile = '<img src=x onerror=alert(1)>';
      res = await web.post('/orgs/acme/webhooks', w.adam.auth, { url: 'https://hooks.example.com/y', description: hostile, event: ['token.revoked', 'token.leaked'] });
      assert.equal(res.statusCode, 303);
      const secretPage = res.headers.location as string;
      assert.match(secretPage, /^\/orgs\/acme\/webhooks\/whk_\w+\/secret$/);
      const cookie = res.cookies.find((c) => c.name === 'patd_new_secret');
      assert.equal(cookie?.path, secretPage);
      assert.equal(cookie?.httpOnly, true);
      res = await web.get(secretPage, w.adam.auth, { cookie: `patd_session=${w.adam.auth.cookie}; patd_new_secret=${cookie?.value}` });
      assert.match(res.body, /value="whsec_[A-Za-z0-9+/=]+"/);
      assert.ok(!res.body.includes(hostile), 'escaped');
      const cleared = res.cookies.find((c) => c.name === 'patd_new_secret');
      assert.ok(cleared && cleared.value === '' && cleared.path === secretPage, 'the page clears it as it shows it');
      res = await web.get(secretPage, w.adam.auth);
      assert.doesNotMatch(res.body, /whsec_/, 'a second look finds nothing');
      assert.match(text(res.body), /The signing secret is no longer shown/);
    });

    test('service accounts: a bad or taken username is refused at its field; the token form offers what the policy allows and the server refuses the rest', async () => {
      let res = await web.post('/orgs/acme/service-accounts', w.adam.auth, { username: 'Bad Name', display_name: '' });
      assert.equal(res.statusCode, 400);
      assert.ok(tiedTo(res.body, 'username-error'));
      res = await web.post('/orgs/acme/service-accounts', w.adam.auth, { username: 'mia', display_name: '' });
      assert.equal(res.statusCode, 409);
      assert.match(text(res.body), /Username "mia" is taken\./);
      res = await web.post('/orgs/acme/service-accounts', w.adam.auth, { username: 'release', display_name: 'Release pipeline' });
      assert.equal(res.statusCode, 303);
      assert.equal(res.headers.location, '/orgs/acme/service-accounts/release?done=created');

      await p.req('PUT', '/api/v1/orgs/acme/policy', { auth: w.olivia.auth, body: { maxLifetimeDays: 30, allowFullAccess: false } });
      res = await web.get('/orgs/acme/service-accounts/release/tokens/new', w.adam.auth);
      assert.match(res.body, /data-fixed-org="acme" data-max-days="30" data-full="0"/);
      assert.match(res.body, /<option value="60" data-days="60" hidden disabled>/, 'no preset beyond the policy');
      assert.match(res.body, /value="full" disabled/, 'no full access');
      res = await web.post('/orgs/acme/service-accounts/release/tokens/new', w.adam.auth, { name: 'too wide', expires: '30', access: 'full' });
      assert.equal(res.statusCode, 403);
      assert.ok(tiedTo(res.body, 'f-scopes-error'), 'the policy refusal is at the scopes');
      assert.match(res.body, /id="name" name="name" value="too wide"/);
      res = await web.post('/orgs/acme/service-accounts/release/tokens/new', w.adam.auth, { name: 'too long', expires: '90', access: 'custom', scope: 'code:read' });
      assert.equal(res.statusCode, 403);
      assert.ok(tiedTo(res.body, 'expires-error'));
      res = await web.post('/orgs/acme/service-accounts/release/tokens/new', w.adam.auth, { name: 'ok', expires: '30', access: 'custom', scope: 'code:read' });
      assert.equal(res.statusCode, 303);
      assert.match(res.headers.location as string, /^\/orgs\/acme\/service-accounts\/release\/tokens\/tok_\w+\/secret$/);
      await p.req('PUT', '/api/v1/orgs/acme/policy', { auth: w.olivia.auth, body: { maxLifetimeDays: null, allowFullAccess: true } });
    });
  });
}
