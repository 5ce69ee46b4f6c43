import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { dialects } from '../helpers/db.js';
import { expectGitRefusal, expectOAuthError, expectProblem, expectScopeRefusal, expectSignInPage } from '../helpers/route-expect.js';
import { fill, pageForm, unchanged } from '../helpers/route-fixtures.js';
import { classify, key, type RouteInfo, UNSAFE } from '../helpers/route-table.js';
import { buildWorld, type Cred, type World } from '../helpers/security-world.js';

/**
 * The shared suite every protected route must pass. Routes are read from the running app
 * (every route, not only the OpenAPI ones), classified by what they are, and their path
 * parameters filled with real objects; a new route is attacked without anyone writing a test
 * for it, and one the suite cannot classify or fill fails here. This file: no credentials,
 * dead secrets (expired, revoked, rotated, owner disabled, unknown), missing scope, a
 * disabled user's session. The other route-security-*.test.ts files: tenants, widening, CSRF,
 * hostile input.
 */
for (const dialect of await dialects()) {
  describe(`every route refuses who it must (${dialect})`, () => {
    let w: World;
    before(async () => {
      w = await buildWorld(dialect);
    });
    after(() => w.stop());

    const each = (pick: (r: RouteInfo) => boolean) => w.routes.filter(pick);
    const rule = (r: RouteInfo) => (r.auth === 'none' || r.auth === undefined ? {} : r.auth);

    test('the route table is read from the app, and every route is classified and can be filled', async () => {
      assert.ok(w.routes.length >= 90, `only ${w.routes.length} routes`);
      const kinds = new Set<string>();
      for (const r of w.routes) {
        const k = classify(r);
        kinds.add(k.kind);
        if (k.kind !== 'public' && k.kind !== 'api-public') fill(w, r);
      }
      for (const k of ['api', 'api-public', 'page', 'sign-in', 'git', 'forward-auth', 'oauth-client', 'oauth-public']) assert.ok(kinds.has(k), `no ${k} route found`);
      // Everything the OpenAPI document describes is among the routes found (so none is missed).
      const doc = (await w.call('GET', '/api/v1/openapi.json')).json() as { paths: Record<string, Record<string, unknown>> };
      const found = new Set(w.routes.map(key));
      for (const [path, ops] of Object.entries(doc.paths)) {
        for (const m of Object.keys(ops)) assert.ok(found.has(`${m.toUpperCase()} ${path.replace('{*}', '*').replace(/\{([^}]+)\}/g, ':$1')}`), `${m} ${path}`);
      }
    });

    test('no credentials: 401 with the challenge (API, git, forward-auth, OAuth clients), the sign-in form (pages)', async () => {
      await unchanged(w, async () => {
        for (const r of w.routes) {
          const k = classify(r);
          const url = fill(w, r);
          const what = key(r);
          if (k.kind === 'api') expectProblem(await w.call(r.method, url), 401, 'unauthenticated', what);
          else if (k.kind === 'page') await noSessionPage(w, r, url, null);
          else if (k.kind === 'git') {
            const res = await w.call(r.method, url);
            if (r.params.includes('*')) expectGitRefusal(res, 401, null, what);
            else expectGitRefusal(res, 404, 'not_found', what);
          } else if (k.kind === 'forward-auth') expectProblem(await w.call(r.method, url), 401, 'unauthenticated', what);
          else if (k.kind === 'oauth-client') expectOAuthError(await w.call(r.method, url, { form: { token: w.secrets.keep } }), 401, 'invalid_client', what);
          else if (k.kind === 'oauth-public') expectOAuthError(await w.call(r.method, url, { form: {} }), 400, ['invalid_request', 'unsupported_grant_type'], what);
          else await w.call(r.method, url);
        }
      });
    });

    test('a page never takes a token for a session: Bearer or Basic alone gets the sign-in form', async () => {
      await unchanged(w, async () => {
        for (const r of each((x) => classify(x).kind === 'page')) {
          for (const cred of [{ bearer: w.alice.pat }, { basic: w.alice.pat }]) await noSessionPage(w, r, fill(w, r), cred);
        }
      });
    });

    const dead: [string, () => string, string][] = [
      ['expired', () => w.secrets.expired, 'token_expired'],
      ['revoked', () => w.secrets.revoked, 'token_revoked'],
      ['rotated (old secret after the grace period)', () => w.secrets.rotatedOld, 'token_rotated'],
      ['owner disabled', () => w.dave.pat, 'user_disabled'],
      ['unknown', () => `${w.secrets.keep.slice(0, 10)}${'A'.repeat(w.secrets.keep.length - 10)}`, 'token_invalid'],
    ];
    for (const [name, secret, code] of dead) {
      test(`a ${name} full-access token: 401 ${code} everywhere it is read`, async () => {
        await unchanged(w, async () => {
          for (const r of w.routes) {
            const k = classify(r);
            const url = fill(w, r);
            const what = `${key(r)} (${name})`;
            for (const cred of [{ bearer: secret() }, { basic: secret() }]) {
              if (k.kind === 'api' && rule(r).sessionOnly) expectProblem(await w.call(r.method, url, { cred }), 403, 'session_required', what);
              else if (k.kind === 'api') expectProblem(await w.call(r.method, url, { cred }), 401, code, what);
              else if (k.kind === 'git' && r.params.includes('*')) expectGitRefusal(await w.call(r.method, url, { cred }), 401, code, what);
              else if (k.kind === 'forward-auth') expectProblem(await w.call(r.method, url, { cred }), 401, code, what);
              else if (k.kind === 'oauth-client') expectOAuthError(await w.call(r.method, url, { cred, form: { token: secret() } }), 401, 'invalid_client', what);
            }
          }
          // A resource server asking about it hears "not active"; revoking it is a no-op (RFC 7009).
          const client = `Basic ${Buffer.from(`${w.client.id}:${w.client.secret}`).toString('base64')}`;
          const intro = await w.call('POST', '/oauth/introspect', { headers: { authorization: client }, form: { token: secret() } });
          assert.equal(intro.statusCode, 200);
          assert.deepEqual(intro.json(), { active: false });
        });
      });
    }

    test('a token without the route\'s scope: 403 insufficient_scope naming it (session-only routes: session_required)', async () => {
      await unchanged(w, async () => {
        for (const r of w.routes) {
          const k = classify(r);
          const url = fill(w, r);
          const what = key(r);
          const cred = { bearer: w.secrets.weak };
          if (k.kind === 'api') {
            const ru = rule(r);
            if (ru.patOnly) continue; // any valid PAT: /tokens/self
            const res = await w.call(r.method, url, { cred });
            if (ru.sessionOnly) expectProblem(res, 403, 'session_required', what);
            else expectScopeRefusal(res, ru.admin ? '*' : String(ru.scope), what);
          } else if (k.kind === 'git' && r.params.includes('*')) {
            const res = await w.call(r.method, url, { cred });
            expectGitRefusal(res, 403, 'insufficient_scope', what);
            assert.match(String(res.headers['www-authenticate']), /scope="code:read"/, what);
          }
        }
        expectScopeRefusal(await w.call('GET', '/auth/verify?scope=code:read&org=acme', { cred: { bearer: w.secrets.weak } }), 'code:read', 'forward-auth');
        expectScopeRefusal(await w.call('POST', '/auth/verify/anything', { cred: { bearer: w.secrets.weak }, headers: { 'x-patd-scope': 'code:read' } }), 'code:read', 'forward-auth (Envoy)');
        // Push needs code:write: a code:read token may fetch but not push.
        const push = await w.call('POST', '/acme/_git/widgets/git-receive-pack', { cred: { basic: w.secrets.widen } });
        expectGitRefusal(push, 403, 'insufficient_scope', 'git push with code:read');
        assert.match(String(push.headers['www-authenticate']), /scope="code:write"/);
      });
    });

    test('a disabled user\'s session no longer works anywhere', async () => {
      await unchanged(w, async () => {
        const cred: Cred = { session: w.dave.session };
        for (const r of w.routes) {
          const k = classify(r);
          const url = fill(w, r);
          if (k.kind === 'api' && !rule(r).patOnly) expectProblem(await w.call(r.method, url, { cred }), 401, 'unauthenticated', `${key(r)} (disabled)`);
          else if (k.kind === 'page') await noSessionPage(w, r, url, cred);
        }
      });
    });
  });
}

/** A page without a (working) session: GET shows the sign-in form or redirects to a page that does; POST is 401 with it (sign-out: 303 to the sign-in page). */
async function noSessionPage(w: World, r: RouteInfo, url: string, cred: Cred): Promise<void> {
  const what = `${key(r)} without a session`;
  if (!UNSAFE.has(r.method)) {
    const res = await w.call(r.method, url, { cred });
    if (res.statusCode === 303) {
      const to = String(res.headers.location);
      assert.ok(to.startsWith('/') && !to.startsWith('//'), `${what}: redirect to ${to}`);
      expectSignInPage(await w.call('GET', to, { cred }), 200, `${what} → ${to}`);
    } else expectSignInPage(res, 200, what);
    return;
  }
  const res = await w.call(r.method, url, { cred, form: pageForm(w, r, null) });
  if (res.statusCode === 303) assert.match(String(res.headers.location), /^\/signin(\?|$)/, what);
  else expectSignInPage(res, 401, what);
}
