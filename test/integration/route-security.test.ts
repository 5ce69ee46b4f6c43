import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { dialects } from '../helpers/db.js';
import { ADMIN_PASSWORD, type Auth, createToken, startTestPatd, type TestPatd } from '../helpers/harness.js';

/** Routes anyone may call without credentials. */
const PUBLIC = new Set(['GET /api/v1/scopes', 'POST /api/v1/session', 'POST /api/v1/token-revocations', 'GET /api/v1/openapi.json']);

/**
 * The shared suite every protected route must pass: it walks the OpenAPI document, so a
 * new route that forgot its check fails here without anyone writing a test for it.
 */
for (const dialect of await dialects()) {
  describe(`every protected route refuses (${dialect})`, () => {
    let p: TestPatd;
    let admin: Auth;
    let routes: { method: string; url: string }[];
    let weak: string;
    let revoked: string;
    let expired: string;
    before(async () => {
      p = await startTestPatd(dialect);
      admin = await p.signIn('admin', ADMIN_PASSWORD);
      await p.req('POST', '/api/v1/orgs', { auth: admin, body: { name: 'acme' } });
      const doc = (await p.req('GET', '/api/v1/openapi.json')).json();
      routes = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([path, ops]) =>
        Object.keys(ops).map((m) => ({ method: m.toUpperCase(), url: path.replace(/\{org\}/g, 'acme').replace(/\{[a-zA-Z]+\}/g, 'x1') })),
      ).filter((r) => r.url.startsWith('/api/'));
      weak = (await createToken(p, admin, { name: 'weak', scopes: ['work:read'] })).secret;
      const r = await createToken(p, admin, { name: 'revoked', scopes: ['*'] });
      await p.req('DELETE', `/api/v1/tokens/${r.id}`, { auth: admin });
      revoked = r.secret;
      expired = (await createToken(p, admin, { name: 'expired', scopes: ['*'], expiresInDays: 1 })).secret;
    });
    after(() => p.stop());

    test('the OpenAPI document lists the API', () => {
      assert.ok(routes.length >= 20, `only ${routes.length} routes`);
    });

    test('no credentials: 401 unauthenticated with the challenge', async () => {
      for (const r of routes.filter((x) => !PUBLIC.has(`${x.method} ${x.url}`))) {
        const res = await p.app.inject({ method: r.method as 'GET', url: r.url });
        assert.equal(res.statusCode, 401, `${r.method} ${r.url}`);
        assert.equal(res.json().code, 'unauthenticated', `${r.method} ${r.url}`);
        assert.ok(res.headers['www-authenticate'], `${r.method} ${r.url}`);
      }
    });

    test('a revoked or expired full-access token: 401', async () => {
      p.clock.advance(2 * 86_400_000);
      try {
        for (const r of routes.filter((x) => !PUBLIC.has(`${x.method} ${x.url}`))) {
          for (const [secret, code] of [[revoked, 'token_revoked'], [expired, 'token_expired']]) {
            const res = await p.app.inject({ method: r.method as 'GET', url: r.url, headers: { authorization: `Bearer ${secret}` } });
            if (res.statusCode === 403 && res.json().code === 'session_required') continue;
            assert.equal(res.statusCode, 401, `${r.method} ${r.url}`);
            assert.equal(res.json().code, code, `${r.method} ${r.url}`);
          }
        }
      } finally {
        p.clock.advance(-2 * 86_400_000);
      }
    });

    test('a token without the scope: 403, never the resource', async () => {
      for (const r of routes.filter((x) => !PUBLIC.has(`${x.method} ${x.url}`) && x.url !== '/api/v1/tokens/self')) {
        const res = await p.app.inject({ method: r.method as 'GET', url: r.url, headers: { authorization: `Bearer ${weak}` } });
        assert.equal(res.statusCode, 403, `${r.method} ${r.url}: ${res.body}`);
        assert.ok(['insufficient_scope', 'session_required', 'forbidden'].includes(res.json().code), `${r.method} ${r.url}`);
      }
    });
  });
}
