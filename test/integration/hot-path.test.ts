import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { dialects } from '../helpers/db.js';
import { ADMIN_PASSWORD, type Auth, createToken, startTestPatd, type TestPatd } from '../helpers/harness.js';
import { sample } from '../helpers/prometheus.js';

/**
 * The hot path (src/adapters/http/hot-path.ts) answers cached token checks on GET /api/v1/me
 * and GET /auth/verify before Fastify. Over real HTTP (inject() never reaches it), each of its
 * answers must equal the one Fastify gives for the same request: `?` at the end of the URL
 * sends the same request through Fastify's router instead.
 */
const METRICS_TOKEN = 'metrics-token-0123456789abcdef';
/** Headers Node writes itself (and that differ by time or connection). */
const TRANSPORT = new Set(['date', 'connection', 'keep-alive']);

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

for (const dialect of await dialects()) {
  describe(`hot path (${dialect})`, () => {
    let p: TestPatd;
    let base: string;
    let admin: Auth;
    before(async () => {
      p = await startTestPatd(dialect, { env: { PATD_METRICS_TOKEN: METRICS_TOKEN, PATD_AUTH_CACHE_SECONDS: '300', PATD_TRUST_PROXY: '127.0.0.1' } });
      base = await p.listen();
      admin = await p.signIn('admin', ADMIN_PASSWORD);
    });
    after(() => p.stop());

    const get = async (path: string, headers: Record<string, string>): Promise<Answer> => {
      const r = await fetch(base + path, { headers });
      const h: Record<string, string> = {};
      r.headers.forEach((v, k) => {
        if (!TRANSPORT.has(k)) h[k] = v;
      });
      return { status: r.status, headers: h, body: await r.text() };
    };
    const scrape = async () => {
      const r = await p.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
      return r.body;
    };
    const hot = async (route: string) => sample(await scrape(), 'patd_http_hot_path_total', { route });
    const basic = (secret: string) => ({ authorization: `Basic ${Buffer.from(`:${secret}`).toString('base64')}` });

    for (const path of ['/api/v1/me', '/auth/verify']) {
      test(`${path}: a cached check is answered on the hot path, byte for byte what Fastify answers`, async () => {
        const t = await createToken(p, admin, { name: `same ${path}`, scopes: ['profile:read', 'code:read'], expiresInDays: 30 });
        const auth = basic(t.secret);
        const viaFastify = await get(`${path}?`, auth);
        assert.equal(viaFastify.status, 200, viaFastify.body);
        const before = await hot(path);
        const viaHot = await get(path, auth);
        assert.equal(await hot(path), before + 1, 'answered on the hot path');
        assert.deepEqual(viaHot, viaFastify);
        assert.equal(viaHot.headers['cache-control'], 'no-store');
        // Bearer too, and the next one on the hot path again.
        assert.deepEqual(await get(path, { authorization: `Bearer ${t.secret}` }), viaFastify);
        assert.equal(await hot(path), before + 2);
      });
    }

    test('a hot answer is counted like any request, with the client address Fastify would see, and logs as Fastify does', async () => {
      const t = await createToken(p, admin, { name: 'counted', scopes: ['profile:read'], expiresInDays: 30 });
      const auth = { ...basic(t.secret), 'x-forwarded-for': '203.0.113.9' };
      await get('/api/v1/me?', auth);
      const counted = sample(await scrape(), 'patd_http_requests_total', { route: '/api/v1/me', method: 'GET', status: '200' });
      const before = await hot('/api/v1/me');
      const lines = p.logs.length;
      assert.equal((await get('/api/v1/me', auth)).status, 200);
      assert.equal(await hot('/api/v1/me'), before + 1);
      assert.equal(sample(await scrape(), 'patd_http_requests_total', { route: '/api/v1/me', method: 'GET', status: '200' }), counted + 1);
      // PATD_TRUST_PROXY=127.0.0.1: the token's last use is from the address the proxy forwarded.
      await p.core.verifier.flushUsage();
      const view = await p.req('GET', `/api/v1/tokens/${t.id}`, { auth: admin });
      assert.equal(view.json().lastUsedIp, '203.0.113.9');
      // A token check writes no access line at info, on either path (like /auth/verify); no secret anywhere.
      await get('/api/v1/me?', auth);
      const written = p.logs.slice(lines).map((l) => JSON.parse(l) as Record<string, any>);
      assert.deepEqual(written.filter((l) => l.req?.url?.startsWith('/api/v1/me')), []);
      assert.ok(!p.logs.some((l) => l.includes(t.secret)), 'no secret in a log line');
    });

    test('refusals are never answered on the hot path, and each is counted once', async () => {
      const narrow = await createToken(p, admin, { name: 'code only', scopes: ['code:read'], expiresInDays: 30 });
      const auth = basic(narrow.secret);
      assert.equal((await get('/auth/verify', auth)).status, 200); // cached now
      const refusals = () => scrape().then((t) => sample(t, 'patd_token_checks_total', { outcome: 'insufficient_scope' }, 0));
      const [hotMe, hotVerify, before] = [await hot('/api/v1/me'), await hot('/auth/verify'), await refusals()];
      // Lacks profile:read: /me refuses (403) through Fastify.
      const me = await get('/api/v1/me', auth);
      assert.equal(me.status, 403);
      assert.equal(JSON.parse(me.body).code, 'insufficient_scope');
      const withoutId = (a: Answer) => ({ ...a, body: a.body.replace(/"requestId":"[^"]+"/, '') });
      assert.deepEqual(withoutId(me), withoutId(await get('/api/v1/me?', auth)));
      // A scope the proxy requires: refused through Fastify's handler.
      const v = await get('/auth/verify', { ...auth, 'x-patd-scope': 'code:write' });
      assert.equal(v.status, 403);
      assert.equal(await refusals(), before + 3);
      assert.equal(await hot('/api/v1/me'), hotMe);
      assert.equal(await hot('/auth/verify'), hotVerify);
      // Revoked: the next check is refused at once, not answered from the hot path.
      const del = await p.req('DELETE', `/api/v1/tokens/${narrow.id}`, { auth: admin });
      assert.equal(del.statusCode, 204);
      const revoked = await get('/auth/verify', auth);
      assert.equal(revoked.status, 401);
      assert.equal(await hot('/auth/verify'), hotVerify);
    });

    test('HEAD, other methods, queries and unknown tokens go to Fastify', async () => {
      const t = await createToken(p, admin, { name: 'others', scopes: ['profile:read', 'code:read'], expiresInDays: 30 });
      const auth = basic(t.secret);
      assert.equal((await get('/auth/verify', auth)).status, 200);
      const before = await hot('/auth/verify');
      const head = await fetch(`${base}/auth/verify`, { method: 'HEAD', headers: auth });
      assert.equal(head.status, 200);
      assert.equal((await get('/auth/verify?scope=code:read', auth)).status, 200);
      assert.equal((await get('/auth/verify', basic('patd_unknownunknownunknownunknown0000'))).status, 401);
      assert.equal((await get('/auth/verify', {})).status, 401);
      assert.equal(await hot('/auth/verify'), before);
    });
  });
}
