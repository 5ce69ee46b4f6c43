import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { dialects } from '../helpers/db.js';
import { expectProblem } from '../helpers/route-expect.js';
import { actorFor, fill, sampleOf, unchanged } from '../helpers/route-fixtures.js';
import { key } from '../helpers/route-table.js';
import { buildWorld, type World } from '../helpers/security-world.js';

/**
 * A limited PAT trying to widen: alice's token has tokens:manage, orgs:manage and code:read,
 * is limited to acme and lives 7 days. Nothing it makes, edits, regenerates or joins may reach
 * past it (403 beyond_token naming what), it never receives a secret, and what it refused to
 * touch keeps working. Device approval narrows, never widens, and needs a person.
 */
for (const dialect of await dialects()) {
  describe(`a limited PAT cannot widen (${dialect})`, () => {
    let w: World;
    before(async () => {
      w = await buildWorld(dialect);
    });
    after(() => w.stop());

    const lim = () => ({ cred: { bearer: w.secrets.widen } });
    const refused = (res: Awaited<ReturnType<World['call']>>, field: string | null, what: string) => {
      expectProblem(res, 403, 'beyond_token', what);
      if (field) assert.equal(res.json().field, field, what);
      assert.ok(!('secret' in res.json()) && !/patd_[0-9A-Za-z]{40,}/.test(res.body), `${what}: a secret in the refusal`);
    };

    test('creating a token wider than itself (scope, orgs, expiry) is 403 beyond_token and no secret', async () => {
      await unchanged(w, async () => {
        const base = { name: 'wider', scopes: ['code:read'], orgs: ['acme'], expiresInDays: 7 };
        for (const [what, extra, field] of [
          ['full access', { scopes: ['*'] }, 'scopes'], ['a scope it lacks', { scopes: ['audit:read'] }, 'scopes'],
          ['every org', { orgs: '*' }, 'orgs'], ['another org', { orgs: ['beta'] }, 'orgs'], ['a later expiry', { expiresInDays: 30 }, 'expiresAt'],
        ] as const) {
          refused(await w.call('POST', '/api/v1/tokens', { ...lim(), json: { ...base, ...extra } }), field, `create with ${what}`);
        }
        // For a service account of acme too: the same rule.
        refused(await w.call('POST', '/api/v1/orgs/acme/service-accounts/ci-bot/tokens', { ...lim(), json: { name: 'sa-wide', scopes: ['*'] } }), 'scopes', 'service-account token with *');
        refused(await w.call('POST', '/api/v1/orgs/acme/service-accounts/ci-bot/tokens', { ...lim(), json: { name: 'sa-long', scopes: ['code:read'], expiresInDays: 30 } }), 'expiresAt', 'service-account token that outlives it');
      });
    });

    test('editing, regenerating or revoking a token beyond it, or widening itself: 403 beyond_token, and the other token keeps working', async () => {
      await unchanged(w, async () => {
        const keep = `/api/v1/tokens/${w.ids.aliceToken}`;
        refused(await w.call('PATCH', keep, { ...lim(), json: { name: 'renamed' } }), null, 'edit a full-access global token');
        refused(await w.call('POST', `${keep}/regenerate`, { ...lim(), json: {} }), null, 'regenerate a full-access global token');
        refused(await w.call('DELETE', keep, lim()), null, 'revoke a full-access global token');
        refused(await w.call('POST', `/api/v1/orgs/acme/service-accounts/ci-bot/tokens/${w.ids.saToken}/regenerate`, { ...lim(), json: {} }), null, 'regenerate a service account\'s full-access token');
        const self = `/api/v1/tokens/${w.ids.widenToken}`;
        for (const [what, json, field] of [
          ['to full access', { scopes: ['*'] }, 'scopes'], ['to every org', { orgs: '*' }, 'orgs'], ['to another org', { orgs: ['acme', 'beta'] }, 'orgs'],
          ['to a later expiry', { expiresInDays: 30 }, 'expiresAt'],
        ] as const) refused(await w.call('PATCH', self, { ...lim(), json }), field, `widen itself ${what}`);
      });
    });

    test('joining or creating another org, or approving a device, is refused', async () => {
      await unchanged(w, async () => {
        refused(await w.call('POST', `/api/v1/me/invitations/${w.ids.aliceInvitation}`, { ...lim(), json: { action: 'accept' } }), null, 'accept an invitation to gamma');
        // A new org is outside the token's orgs (its owner's global tokens would reach it at once).
        refused(await w.call('POST', '/api/v1/orgs', { ...lim(), json: { name: 'outside' } }), 'orgs', 'create an org');
        // A service account belongs to its org only: it neither creates nor joins another.
        expectProblem(await w.call('POST', '/api/v1/orgs', { cred: { bearer: w.secrets.sa }, json: { name: 'sa-squat' } }), 403, 'forbidden', 'a service account creates an org');
        for (const route of w.routes.filter((r) => r.url.startsWith('/api/v1/device/'))) {
          const res = await w.call(route.method, fill(w, route), { cred: { bearer: w.alice.pat }, ...(route.body ? { json: sampleOf(route.body) } : {}) });
          expectProblem(res, 403, 'session_required', `${key(route)} with a PAT`);
        }
      });
    });

    test('device approval may narrow what the device asked for, never widen it, and the device gets nothing meanwhile', async () => {
      const start = await w.call('POST', '/oauth/device_authorization', { form: { client_id: 'narrow-cli', scope: 'code:read', orgs: 'acme', expires_in_days: '7' } });
      const { user_code: code, device_code: device } = start.json();
      const A = { cred: { session: w.alice.session } };
      for (const [what, json, field] of [
        ['every org', { action: 'approve', orgs: '*' }, 'orgs'], ['another org', { action: 'approve', orgs: ['acme', 'beta'] }, 'orgs'],
        ['a longer life', { action: 'approve', expiresInDays: 30 }, 'expiresInDays'],
      ] as const) {
        const res = await w.call('POST', `/api/v1/device/${code}`, { ...A, json });
        assert.equal(res.statusCode, 403, `${what}: ${res.body}`);
        assert.equal(res.json().field, field, what);
      }
      const poll = await w.call('POST', '/oauth/token', { form: { grant_type: 'urn:ietf:params:oauth:grant-type:device_code', device_code: device, client_id: 'narrow-cli' } });
      assert.equal(poll.json().error, 'authorization_pending');
      assert.equal((await w.call('GET', `/api/v1/device/${code}`, A)).json().status, 'pending');
    });

    test('an instance admin\'s PAT limited to some orgs cannot administer the instance (every admin route): 403 beyond_token', async () => {
      const as = { cred: { session: w.admin.session } };
      assert.equal((await w.call('PUT', '/api/v1/orgs/gamma/members/admin', { ...as, json: { role: 'admin' } })).statusCode, 200);
      const made = await w.call('POST', '/api/v1/tokens', { ...as, json: { name: 'admin-gamma-only', scopes: ['*'], orgs: ['gamma'] } });
      assert.equal(made.statusCode, 201, made.body);
      const limited = { bearer: made.json().secret as string };
      await unchanged(w, async () => {
        for (const r of w.routes.filter((x) => x.auth !== 'none' && x.auth?.admin)) {
          const res = await w.call(r.method, fill(w, r), { cred: limited, ...(r.body ? { json: sampleOf(r.body) } : {}) });
          expectProblem(res, 403, 'beyond_token', `${key(r)} with an admin token limited to gamma`);
          assert.equal(res.json().field, 'orgs');
        }
      });
      // In its own org it acts with the admin's role there, without instance-admin powers: it
      // cannot add someone directly (that takes an invitation); a global full-access token can.
      assert.equal((await w.call('GET', '/api/v1/orgs/gamma/members', { cred: limited })).statusCode, 200);
      expectProblem(await w.call('PUT', '/api/v1/orgs/gamma/members/frank', { cred: limited, json: { role: 'member' } }), 403, 'invitation_required', 'add directly with a limited admin token');
      assert.equal((await w.call('GET', '/api/v1/users', { cred: { bearer: w.admin.pat } })).statusCode, 200);
    });

    test('every route that hands out a secret is one of those above (a new one must join them)', () => {
      const covered: Record<string, string> = {
        'POST /api/v1/tokens': 'create', 'POST /api/v1/tokens/:id/regenerate': 'regenerate',
        'POST /api/v1/orgs/:org/service-accounts/:username/tokens': 'service-account create',
        'POST /api/v1/orgs/:org/service-accounts/:username/tokens/:id/regenerate': 'service-account regenerate',
        // Webhook signing secrets are no credential to patd; creating one needs orgs:manage in the org (or instance admin).
        'POST /api/v1/webhooks': 'not a credential', 'POST /api/v1/orgs/:org/webhooks': 'not a credential',
      };
      assert.deepEqual(w.routes.filter((r) => r.issuesSecret).map(key).sort(), Object.keys(covered).sort());
    });

    // Last: it regenerates the world's tokens.
    test('every answer that carries a secret is never cached (Cache-Control: no-store)', async () => {
      const bodies: Record<string, unknown> = {
        'POST /api/v1/tokens': { name: 'cached?', scopes: ['code:read'] },
        'POST /api/v1/orgs/:org/service-accounts/:username/tokens': { name: 'cached?', scopes: ['code:read'] },
        'POST /api/v1/webhooks': { url: 'https://hooks.example/cached' }, 'POST /api/v1/orgs/:org/webhooks': { url: 'https://hooks.example/cached' },
      };
      for (const r of w.routes.filter((x) => x.issuesSecret)) {
        const res = await w.call(r.method, fill(w, r), { cred: { session: actorFor(w, r).session }, json: bodies[key(r)] ?? {} });
        assert.ok(res.statusCode === 200 || res.statusCode === 201, `${key(r)}: ${res.body}`);
        assert.equal(typeof res.json().secret, 'string', key(r));
        assert.equal(res.headers['cache-control'], 'no-store', `${key(r)} may be cached with its secret`);
      }
      const dev = await w.call('POST', '/oauth/device_authorization', { form: { client_id: 'cache-cli', scope: 'code:read' } });
      assert.equal(dev.headers['cache-control'], 'no-store', 'device_code');
    });
  });
}
