import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { dialects } from '../helpers/db.js';
import { ADMIN_PASSWORD, type Auth, createToken, startTestPatd, type TestPatd } from '../helpers/harness.js';

for (const dialect of await dialects()) {
  describe(`smoke (${dialect})`, () => {
    let p: TestPatd;
    let admin: Auth;
    before(async () => {
      p = await startTestPatd(dialect);
      admin = await p.signIn('admin', ADMIN_PASSWORD);
    });
    after(() => p.stop());

    test('a token created with a session authenticates GET /me', async () => {
      const t = await createToken(p, admin, { name: 'smoke', scopes: ['profile:read'] });
      const res = await p.req('GET', '/api/v1/me', { auth: { basic: t.secret } });
      assert.equal(res.statusCode, 200);
      assert.equal(res.json().user.username, 'admin');
      assert.equal(res.json().token.id, t.id);
    });

    test('GET /me is never stored by a cache, for a token (first and cached answer) or a session', async () => {
      const t = await createToken(p, admin, { name: 'smoke no-store', scopes: ['profile:read'] });
      for (let i = 0; i < 2; i++) {
        const res = await p.req('GET', '/api/v1/me', { auth: { basic: t.secret } });
        assert.equal(res.statusCode, 200);
        assert.equal(res.headers['cache-control'], 'no-store', `token answer ${i + 1}`);
      }
      const res = await p.req('GET', '/api/v1/me', { auth: admin });
      assert.equal(res.statusCode, 200);
      assert.equal(res.headers['cache-control'], 'no-store', 'session answer');
    });

    test('one access log line per request, when it completes, with method, URL (secrets redacted) and status', async () => {
      const res = await p.req('GET', '/signin/oidc/callback?code=SECRET-CODE-1&state=SECRET-STATE-1');
      assert.equal(res.statusCode, 404);
      const id = res.json().requestId as string;
      const lines = p.logs.map((l) => JSON.parse(l) as Record<string, any>).filter((l) => l.reqId === id);
      assert.deepEqual(lines.map((l) => l.msg), ['request completed']);
      assert.equal(lines[0]?.req.method, 'GET');
      assert.equal(lines[0]?.req.url, '/signin/oidc/callback?code=[redacted]&state=[redacted]');
      assert.equal(lines[0]?.res.statusCode, 404);
      assert.equal(typeof lines[0]?.responseTime, 'number');
      assert.ok(!p.logs.some((l) => l.includes('SECRET-CODE-1') || l.includes('SECRET-STATE-1')));
    });
  });
}
