import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { dialects } from '../helpers/db.js';
import { assertNoMarkers, expectGitRefusal, expectPageRefusal, expectProblem } from '../helpers/route-expect.js';
import { actorFor, fill, pageForm, sampleOf, unchanged } from '../helpers/route-fixtures.js';
import { classify, key, type RouteInfo, UNSAFE } from '../helpers/route-table.js';
import { buildWorld, type Cred, type World } from '../helpers/security-world.js';

/**
 * Tenant boundaries on every route: another user's session or token on alice's objects, an
 * admin of another org on acme, another org's path with acme's ids, and a PAT limited to
 * another org. What the caller may not know of is 404 (never the object); a token outside its
 * orgs is 403 org_forbidden; nothing changes. First, that the objects are real: their owner
 * reads every one of them.
 */
for (const dialect of await dialects()) {
  describe(`tenant boundaries on every route (${dialect})`, () => {
    let w: World;
    before(async () => {
      w = await buildWorld(dialect);
    });
    after(() => w.stop());

    const kindOf = (r: RouteInfo) => classify(r).kind;
    const rule = (r: RouteInfo) => (r.auth === 'none' || r.auth === undefined ? {} : r.auth);
    const named = (r: RouteInfo) => r.params.some((x) => x !== '*');
    const body = (r: RouteInfo) => (r.body ? { json: sampleOf(r.body) } : {});

    test('the objects are real: their owner reads every route that names one', async () => {
      for (const r of w.routes.filter((x) => x.method === 'GET' && named(x) && ['api', 'page'].includes(kindOf(x)))) {
        const res = await w.call('GET', fill(w, r), { cred: { session: actorFor(w, r).session } });
        assert.ok(res.statusCode === 200 || res.statusCode === 303, `${key(r)} as its owner: ${res.statusCode} ${res.body.slice(0, 200)}`);
        // A page with someone's data is never cached, framed or given a referrer, and runs only patd's own scripts.
        if (kindOf(r) === 'page' && res.statusCode === 200) {
          assert.equal(res.headers['cache-control'], 'no-store', key(r));
          if (!String(res.headers['content-type']).startsWith('text/html')) continue; // a download (the audit CSV)
          assert.equal(res.headers['x-frame-options'], 'DENY', key(r));
          assert.equal(res.headers['referrer-policy'], 'no-referrer', key(r));
          assert.match(String(res.headers['content-security-policy']), /default-src 'none'.*frame-ancestors 'none'/, key(r));
        }
      }
      assert.equal((await w.call('GET', fill(w, w.routes.find((r) => r.url === '/:org/_git/:repo/*') as RouteInfo), { cred: { basic: w.alice.pat } })).statusCode, 200);
    });

    test('another user (session or full-access token) on alice\'s objects: 404, never the object', async () => {
      await unchanged(w, async () => {
        for (const r of w.routes) {
          const k = classify(r);
          const url = fill(w, r);
          if (k.kind === 'api' && !rule(r).patOnly && r.url !== '/api/v1/device/:userCode') {
            for (const cred of [{ session: w.mallory.session }, { bearer: w.mallory.pat }] as Cred[]) {
              const what = `${key(r)} as mallory (${cred && 'session' in cred ? 'session' : 'token'})`;
              if (!named(r)) {
                if (r.method === 'GET') assertNoMarkers(w, url, await w.call('GET', url, { cred }), what);
                continue;
              }
              const res = await w.call(r.method, url, { cred, ...body(r) });
              if (rule(r).admin) expectProblem(res, 403, 'forbidden', what);
              else if (rule(r).sessionOnly && cred && 'bearer' in cred) expectProblem(res, 403, 'session_required', what);
              else expectProblem(res, 404, 'not_found', what);
              assertNoMarkers(w, url, res, what);
            }
          } else if (k.kind === 'page' && r.url !== '/device' && (named(r) || !UNSAFE.has(r.method) || k.area === 'admin')) {
            const what = `${key(r)} as mallory`;
            const res = await pageCall(w, r, url, w.mallory.session);
            if (k.area === 'admin') expectPageRefusal(res, [403, 404], what);
            else if (named(r)) expectPageRefusal(res, [404], what);
            assertNoMarkers(w, url, res, what);
          }
        }
      });
    });

    // What a plain member of an org may do there (spec: members see the org and its members, may
    // leave, and use its repositories with the code scopes); everything else under the org needs its admins.
    const MEMBER_MAY = new Set([
      'GET /api/v1/orgs/:org', 'GET /api/v1/orgs/:org/members', 'DELETE /api/v1/orgs/:org/members/:username',
      'GET /api/v1/orgs/:org/repos', 'POST /api/v1/orgs/:org/repos', 'DELETE /api/v1/orgs/:org/repos/:repo',
      'GET /orgs/:org', 'GET /orgs/:org/leave', 'POST /orgs/:org/leave',
    ]);

    test('a plain member on the org\'s admin routes and pages: 403, nothing changed', async () => {
      await unchanged(w, async () => {
        for (const r of w.routes.filter((x) => x.params.includes('org') && !MEMBER_MAY.has(key(x)))) {
          const k = classify(r);
          const url = fill(w, r);
          if (k.kind === 'api') {
            for (const cred of [{ session: w.carol.session }, { bearer: w.carol.pat }] as Cred[]) {
              const res = await w.call(r.method, url, { cred, ...body(r) });
              expectProblem(res, 403, 'forbidden', `${key(r)} as a plain member`);
              assertNoMarkers(w, url, res, key(r));
            }
          } else if (k.kind === 'page') {
            const res = await pageCall(w, r, url, w.carol.session);
            expectPageRefusal(res, [403], `${key(r)} as a plain member`);
          }
        }
      });
    });

    test('an admin of another org on acme\'s routes and pages: 404 (API, pages, git)', async () => {
      await unchanged(w, async () => {
        for (const r of w.routes.filter((x) => x.params.includes('org'))) {
          const k = classify(r);
          const url = fill(w, r);
          if (k.kind === 'api') {
            for (const cred of [{ session: w.bob.session }, { bearer: w.bob.pat }] as Cred[]) {
              const res = await w.call(r.method, url, { cred, ...body(r) });
              expectProblem(res, 404, 'not_found', `${key(r)} as bob`);
              assertNoMarkers(w, url, res, key(r));
            }
          } else if (k.kind === 'page') {
            const res = await pageCall(w, r, url, w.bob.session);
            expectPageRefusal(res, [404], `${key(r)} as bob`);
            assertNoMarkers(w, url, res, key(r));
          } else if (k.kind === 'git' && r.params.includes('*')) {
            expectGitRefusal(await w.call(r.method, url, { cred: { basic: w.bob.pat } }), 404, 'not_found', `${key(r)} as bob`);
          }
        }
      });
    });

    // Known and reported, not yet fixed (src/web/routes/org-admin/ is another helper's): each must still show no victim's object.
    const KNOWN_PAGES: Record<string, string> = {};

    test('another org\'s path with acme\'s ids: 404 (an admin of beta cannot reach acme\'s objects through beta)', async () => {
      // Changing the role of someone who is not a member is refused as such (they must be invited).
      const refusal: Record<string, [number, string]> = { 'PUT /api/v1/orgs/:org/members/:username': [403, 'invitation_required'] };
      await unchanged(w, async () => {
        for (const r of w.routes.filter((x) => x.params.includes('org') && x.params.length > 1)) {
          const k = classify(r);
          const url = fill(w, r, { org: 'beta' });
          if (k.kind === 'api') {
            for (const cred of [{ session: w.bob.session }, { bearer: w.bob.pat }] as Cred[]) {
              const res = await w.call(r.method, url, { cred, ...body(r) });
              const [status, code] = refusal[key(r)] ?? [404, 'not_found'];
              expectProblem(res, status, code, `${key(r)} as bob in beta`);
              assertNoMarkers(w, url, res, key(r));
            }
          } else if (k.kind === 'page') {
            const res = await pageCall(w, r, url, w.bob.session);
            if (!(key(r) in KNOWN_PAGES)) expectPageRefusal(res, [403, 404], `${key(r)} as bob in beta`);
            assertNoMarkers(w, url, res, key(r));
          } else if (k.kind === 'git' && r.params.includes('*')) {
            expectGitRefusal(await w.call(r.method, url, { cred: { basic: w.bob.pat } }), 404, 'not_found', `${key(r)} in beta`);
          }
        }
      });
    });

    test('a PAT limited to beta on acme: 403 org_forbidden (API, git, forward-auth); in beta it works', async () => {
      const cred = { bearer: w.secrets.limitedBeta };
      await unchanged(w, async () => {
        for (const r of w.routes.filter((x) => x.params.includes('org'))) {
          const k = classify(r);
          const url = fill(w, r);
          if (k.kind === 'api') {
            const res = await w.call(r.method, url, { cred, ...body(r) });
            expectProblem(res, 403, 'org_forbidden', `${key(r)} with a beta-only token`);
            assert.equal(res.json().org, 'acme');
            assertNoMarkers(w, url, res, key(r));
          } else if (k.kind === 'git' && r.params.includes('*')) {
            expectGitRefusal(await w.call(r.method, url, { cred: { basic: w.secrets.limitedBeta } }), 403, 'org_forbidden', key(r));
          }
        }
        expectProblem(await w.call('GET', '/auth/verify?org=acme', { cred }), 403, 'org_forbidden', 'forward-auth');
        expectProblem(await w.call('GET', '/auth/verify/x', { cred, headers: { 'x-patd-org': 'acme' } }), 403, 'org_forbidden', 'forward-auth (Envoy)');
        assert.equal((await w.call('GET', '/api/v1/orgs/beta', { cred })).statusCode, 200);
        assert.equal((await w.call('GET', '/auth/verify?org=beta', { cred })).statusCode, 200);
      });
    });
  });
}

/** A page as `session`'s user: GET, or a POST with that session's own (valid) CSRF field. */
function pageCall(w: World, r: RouteInfo, url: string, session: World['alice']['session']) {
  return UNSAFE.has(r.method)
    ? w.call(r.method, url, { cred: { session }, form: pageForm(w, r, session.csrf) })
    : w.call(r.method, url, { cred: { session } });
}
