import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { dialects } from '../helpers/db.js';
import { startTestPatd, type TestPatd } from '../helpers/harness.js';
import { type OrgWorld, orgWorld, pages, publicResolver, text } from '../helpers/org-admin.js';

/** Every org admin page, GET and POST (with a body that would succeed for an admin). */
function adminPages(w: OrgWorld) {
  const o = '/orgs/acme';
  const sa = `${o}/service-accounts/ci`;
  const tok = `${sa}/tokens/${w.ciToken.id}`;
  const hook = `${o}/webhooks/${w.webhookId}`;
  const gets = [
    `${o}/members`, `${o}/members/mia/remove`, `${o}/invitations`, `${o}/service-accounts`, sa, `${sa}/delete`, `${sa}/tokens/new`,
    `${tok}/secret`, `${tok}/regenerate`, `${tok}/revoke`, `${o}/policy`, `${o}/tokens`, `${o}/tokens/${w.miaToken.id}/revoke`,
    `${o}/audit`, `${o}/audit.csv`, `${o}/webhooks`, hook, `${hook}/secret`, `${hook}/delete`,
  ];
  const posts: [string, Record<string, string | string[]>][] = [
    [`${o}/members/mia/role`, { role: 'admin' }], [`${o}/members/mia/remove`, {}],
    [`${o}/invitations`, { username: 'gus', role: 'member' }], [`${o}/invitations/${w.invitationId}/withdraw`, {}],
    [`${o}/service-accounts`, { username: 'bot', display_name: 'Bot' }], [`${sa}/delete`, {}],
    [`${sa}/tokens/new`, { name: 'x', expires: '30', access: 'custom', scope: 'code:read' }], [`${tok}/regenerate`, { grace: '0' }], [`${tok}/revoke`, {}],
    [`${o}/policy`, { max_lifetime_days: '1', allow_global: 'on', ip_allowlist: '10.0.0.0/8' }], [`${o}/tokens/${w.miaToken.id}/revoke`, {}],
    [`${o}/webhooks`, { url: 'https://hooks.example.com/other', event: 'token.created' }], [`${hook}/delete`, {}],
  ];
  return { gets, posts };
}

/**
 * The org admin pages answer as the API does: an org's owners and admins (and instance admins)
 * get them, a member 403, a non-member or another org's admin 404, a signed-out browser the
 * sign-in form; a POST without the session's CSRF token is refused. Nothing is changed by a
 * refused request.
 */
for (const dialect of await dialects()) {
  describe(`org admin pages: who gets them (${dialect})`, () => {
    let p: TestPatd;
    let w: OrgWorld;
    let web: ReturnType<typeof pages>;
    before(async () => {
      p = await startTestPatd(dialect, { overrides: { webhookResolver: publicResolver } });
      w = await orgWorld(p);
      web = pages(p);
    });
    after(() => p.stop());

    const unchanged = async () => {
      const members = (await p.req('GET', '/api/v1/orgs/acme/members', { auth: w.olivia.auth })).json().items.map((m: { username: string; role: string }) => `${m.username}:${m.role}`);
      assert.deepEqual(members.sort(), ['adam:admin', 'ci:member', 'mia:member', 'olivia:owner']);
      assert.equal((await p.req('GET', '/auth/verify?org=acme', { auth: { token: w.ciToken.secret } })).statusCode, 200, 'the service account token works');
      assert.equal((await p.req('GET', '/auth/verify?org=acme', { auth: { token: w.miaToken.secret } })).statusCode, 200, "mia's token works");
      assert.equal((await p.req('GET', '/api/v1/orgs/acme/policy', { auth: w.olivia.auth })).json().maxLifetimeDays, null);
      assert.equal((await p.req('GET', '/api/v1/orgs/acme/webhooks', { auth: w.olivia.auth })).json().items.length, 1);
      assert.equal((await p.req('GET', '/api/v1/orgs/acme/invitations', { auth: w.olivia.auth })).json().items.length, 1);
      assert.deepEqual((await p.req('GET', '/api/v1/orgs/acme/service-accounts', { auth: w.olivia.auth })).json().items.map((a: { username: string }) => a.username), ['ci']);
    };

    test('the owner, an admin and an instance admin get every page', async () => {
      for (const who of [w.olivia.auth, w.adam.auth, w.admin]) {
        for (const url of adminPages(w).gets) {
          const res = await web.get(url, who);
          assert.equal(res.statusCode, 200, `${url}: ${res.statusCode}`);
          if (url.endsWith('.csv')) assert.match(res.headers['content-type'] as string, /^text\/csv/);
          else assert.match(res.body, /<nav class="sub-nav" aria-label="Organization acme">/, url);
        }
      }
    });

    test('a member gets 403 on every page, GET and POST (with the CSRF token); nothing changes', async () => {
      const { gets, posts } = adminPages(w);
      for (const url of gets) {
        const res = await web.get(url, w.mia.auth);
        assert.equal(res.statusCode, 403, `GET ${url}`);
        assert.match(res.headers['content-type'] as string, /^text\/html/);
        assert.match(text(res.body), /needs the admin role in org "acme"/, url);
      }
      for (const [url, body] of posts) assert.equal((await web.post(url, w.mia.auth, body)).statusCode, 403, `POST ${url}`);
      await unchanged();
    });

    test("another org's owner gets 404 on every page, GET and POST, as for an org that does not exist; nothing changes", async () => {
      const { gets, posts } = adminPages(w);
      for (const url of gets) {
        const res = await web.get(url, w.gus.auth);
        assert.equal(res.statusCode, 404, `GET ${url}`);
        assert.match(text(res.body), /Page not found There is no such organization, or you are not a member of it\./, url);
      }
      for (const [url, body] of posts) assert.equal((await web.post(url, w.gus.auth, body)).statusCode, 404, `POST ${url}`);
      // A name that is not an org at all reads the same.
      assert.equal((await web.get('/orgs/nope/members', w.olivia.auth)).statusCode, 404);
      await unchanged();
    });

    test('a POST without the CSRF token, or with a wrong one, is refused for the owner too; nothing changes', async () => {
      for (const [url, body] of adminPages(w).posts) {
        const res = await web.post(url, w.olivia.auth, body, { csrf: false });
        assert.equal(res.statusCode, 403, `POST ${url}`);
        assert.match(text(res.body), /The form has expired/);
        assert.equal((await web.post(url, w.olivia.auth, { ...body, csrf_token: 'x'.repeat(43) }, { csrf: false })).statusCode, 403, `POST ${url} (forged)`);
      }
      await unchanged();
    });

    test('signed out: a GET shows the sign-in form in place of the page, a POST is refused', async () => {
      const { gets, posts } = adminPages(w);
      for (const url of gets) {
        const res = await web.get(url);
        assert.equal(res.statusCode, 200, url);
        assert.match(res.body, /<form method="post" action="\/signin"/);
        assert.ok(res.body.includes(`name="return_to" value="${url}"`), url);
      }
      for (const [url, body] of posts) assert.equal((await web.post(url, undefined, body)).statusCode, 401, `POST ${url}`);
      await unchanged();
    });

    test("a service account's or webhook's id from another org is not found", async () => {
      const globexHook = (await p.req('POST', '/api/v1/orgs/globex/webhooks', { auth: w.gus.auth, body: { url: 'https://hooks.example.com/g' } })).json().webhook.id;
      assert.equal((await web.get(`/orgs/acme/webhooks/${globexHook}`, w.olivia.auth)).statusCode, 404);
      assert.equal((await web.post(`/orgs/acme/webhooks/${globexHook}/delete`, w.olivia.auth, {})).statusCode, 404);
      await p.req('POST', '/api/v1/orgs/globex/service-accounts', { auth: w.gus.auth, body: { username: 'gbot' } });
      assert.equal((await web.get('/orgs/acme/service-accounts/gbot', w.olivia.auth)).statusCode, 404);
      assert.equal((await web.get('/orgs/acme/service-accounts/mia', w.olivia.auth)).statusCode, 404, 'a person is not a service account');
      const gusToken = (await p.req('POST', '/api/v1/tokens', { auth: w.gus.auth, body: { name: 'g', scopes: ['code:read'], orgs: ['globex'] } })).json().token.id;
      assert.equal((await web.get(`/orgs/acme/tokens/${gusToken}/revoke`, w.olivia.auth)).statusCode, 404);
      assert.equal((await web.post(`/orgs/acme/tokens/${gusToken}/revoke`, w.olivia.auth, {})).statusCode, 404);
      await unchanged();
    });
  });
}
