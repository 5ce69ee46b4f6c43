import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { Patd } from '../../src/server.js';
import { dialects } from '../helpers/db.js';
import { ADMIN_PASSWORD, type Auth, createToken, startTestPatd, type TestPatd } from '../helpers/harness.js';
import { sample } from '../helpers/prometheus.js';
import { startSibling } from '../helpers/sibling.js';

const METRICS_TOKEN = 'metrics-token-0123456789abcdef';

for (const dialect of await dialects()) {
  describe(`metrics (${dialect})`, () => {
    let p: TestPatd;
    let b: Patd;
    let admin: Auth;
    const scrape = async (target: Pick<Patd, 'app'> = p) => {
      const res = await target.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
      assert.equal(res.statusCode, 200, res.body);
      return res.body;
    };
    before(async () => {
      p = await startTestPatd(dialect, { env: { PATD_METRICS_TOKEN: METRICS_TOKEN, PATD_AUTH_CACHE_SECONDS: '300' } });
      b = await startSibling(p, { PATD_METRICS_TOKEN: METRICS_TOKEN, PATD_AUTH_CACHE_SECONDS: '300' });
      admin = await p.signIn('admin', ADMIN_PASSWORD);
    });
    after(async () => {
      await b.close();
      await p.stop();
    });

    test('PATD_METRICS_TOKEN guards /metrics', async () => {
      for (const authorization of [undefined, 'Bearer wrong-token-0123456789', `Basic ${Buffer.from(`:${METRICS_TOKEN}`).toString('base64')}`]) {
        const res = await p.app.inject({ method: 'GET', url: '/metrics', headers: authorization ? { authorization } : {} });
        assert.equal(res.statusCode, 401, String(authorization));
        assert.doesNotMatch(res.body, /patd_http_requests_total/);
      }
      assert.match(await scrape(), /^# TYPE patd_http_requests_total counter$/m);
    });

    test('every metric a platform team graphs is there, with Prometheus types', async () => {
      const text = await scrape();
      for (const [name, type] of [
        ['patd_http_requests_total', 'counter'], ['patd_http_request_duration_seconds', 'histogram'], ['patd_token_checks_total', 'counter'],
        ['patd_verifier_cache_lookups_total', 'counter'], ['patd_verifier_cache_entries', 'gauge'], ['patd_verifier_negative_cache_entries', 'gauge'],
        ['patd_verifier_invalidations_total', 'counter'], ['patd_outbox_backlog', 'gauge'], ['patd_outbox_oldest_age_seconds', 'gauge'],
        ['patd_outbox_failed', 'gauge'], ['patd_outbox_delivery_latency_seconds', 'histogram'], ['patd_outbox_delivery_failures_total', 'counter'],
        ['process_cpu_seconds_total', 'counter'],
        ...(dialect === 'postgres' ? [['patd_db_pool_connections', 'gauge'], ['patd_db_pool_waiting', 'gauge']] : []),
      ]) assert.match(text, new RegExp(`^# TYPE ${name} ${type}$`, 'm'), name);
    });

    test('docs/metrics.md documents every patd metric, and the Grafana dashboard queries only metrics that exist', async () => {
      const text = await scrape();
      const exposed = new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1] as string));
      const doc = readFileSync(new URL('../../docs/metrics.md', import.meta.url), 'utf8');
      for (const name of exposed) if (name.startsWith('patd_')) assert.ok(doc.includes(`| \`${name}\``), `docs/metrics.md lacks ${name}`);
      const dashboard = readFileSync(new URL('../../docs/grafana-dashboard.json', import.meta.url), 'utf8');
      JSON.parse(dashboard);
      const used = new Set([...dashboard.matchAll(/\b((?:patd|process|nodejs)_[a-z0-9_]+)/g)].map((m) => (m[1] as string).replace(/_(bucket|sum|count)$/, '')));
      for (const name of used) {
        if (dialect === 'sqlite' && name.startsWith('patd_db_pool')) continue;
        assert.ok(exposed.has(name), `the dashboard queries ${name}, which /metrics does not have`);
      }
    });

    test('requests by route pattern, method and status, with their duration', async () => {
      const t = await createToken(p, admin, { name: 'm', scopes: ['tokens:read'] });
      const before = sample(await scrape(), 'patd_http_requests_total', { route: '/api/v1/tokens/:id', method: 'GET', status: '200' });
      for (let i = 0; i < 3; i++) assert.equal((await p.req('GET', `/api/v1/tokens/${t.id}`, { auth: admin })).statusCode, 200);
      assert.equal((await p.req('GET', '/api/v1/tokens/tok_nope', { auth: admin })).statusCode, 404);
      const text = await scrape();
      assert.equal(sample(text, 'patd_http_requests_total', { route: '/api/v1/tokens/:id', method: 'GET', status: '200' }) - (Number.isNaN(before) ? 0 : before), 3);
      assert.equal(sample(text, 'patd_http_requests_total', { route: '/api/v1/tokens/:id', method: 'GET', status: '404' }), 1);
      assert.ok(sample(text, 'patd_http_request_duration_seconds_count', { route: '/api/v1/tokens/:id', method: 'GET' }) >= 4);
      assert.ok(sample(text, 'patd_http_request_duration_seconds_bucket', { route: '/api/v1/tokens/:id', method: 'GET', le: '+Inf' }) >= 4);
      await p.app.inject({ method: 'GET', url: '/no/such/path' });
      assert.ok(sample(await scrape(), 'patd_http_requests_total', { route: 'unmatched', method: 'GET', status: '404' }) >= 1);
      assert.doesNotMatch(text, new RegExp(t.id), 'ids never become labels');
    });

    test('token checks by outcome, and the cache: hits, negative hits, misses, entries', async () => {
      const t = await createToken(p, admin, { name: 'checked', scopes: ['code:read'] });
      const before = await scrape();
      const verify = (secret: string) => p.req('GET', '/auth/verify', { auth: { token: secret } });
      for (let i = 0; i < 4; i++) assert.equal((await verify(t.secret)).statusCode, 200);
      await verify('patd_123'); // malformed
      const { generateToken } = await import('../../src/core/tokens/format.js');
      const wellFormed = generateToken('patd_');
      await verify(wellFormed);
      await verify(wellFormed);
      const after = await scrape();
      const d = (name: string, labels: Record<string, string>) => sample(after, name, labels) - (sample(before, name, labels) || 0);
      assert.equal(d('patd_token_checks_total', { outcome: 'ok' }), 4);
      assert.equal(d('patd_token_checks_total', { outcome: 'token_invalid' }), 3);
      assert.ok(d('patd_verifier_cache_lookups_total', { result: 'hit' }) >= 3, 'checks after the first come from the cache');
      assert.equal(d('patd_verifier_cache_lookups_total', { result: 'negative_hit' }), 1, 'the second unknown check is answered by the negative cache');
      assert.ok(sample(after, 'patd_verifier_cache_entries') >= 1);
      assert.ok(sample(after, 'patd_verifier_negative_cache_entries') >= 1);
    });

    test('invalidations: local on the instance that changed, remote on the other', async () => {
      const t = await createToken(p, admin, { name: 'inv', scopes: ['code:read'] });
      const [a0, b0] = [await scrape(), await scrape(b)];
      assert.equal((await p.req('DELETE', `/api/v1/tokens/${t.id}`, { auth: admin })).statusCode, 204);
      assert.ok(sample(await scrape(), 'patd_verifier_invalidations_total', { source: 'local' }) > sample(a0, 'patd_verifier_invalidations_total', { source: 'local' }));
      const until = Date.now() + 2000;
      let remote = sample(await scrape(b), 'patd_verifier_invalidations_total', { source: 'remote' });
      while (remote <= sample(b0, 'patd_verifier_invalidations_total', { source: 'remote' }) && Date.now() < until) {
        await new Promise((r) => setTimeout(r, 50));
        remote = sample(await scrape(b), 'patd_verifier_invalidations_total', { source: 'remote' });
      }
      assert.ok(remote > sample(b0, 'patd_verifier_invalidations_total', { source: 'remote' }), 'the other instance heard of it');
    });

    test('the outbox: backlog and age while mail waits, latency once sent', async () => {
      const before = await scrape();
      await createToken(p, admin, { name: 'mailed', scopes: ['code:read'] });
      p.clock.advance(2000);
      const waiting = await new Promise<string>((r) => setTimeout(async () => r(await scrape()), 1100)); // past the gauge's 1 s memo
      assert.ok(sample(waiting, 'patd_outbox_backlog') >= 1, 'the creation mail waits');
      assert.ok(sample(waiting, 'patd_outbox_oldest_age_seconds') >= 2);
      await p.notifications.outbox.drain();
      const sent = await new Promise<string>((r) => setTimeout(async () => r(await scrape()), 1100));
      assert.equal(sample(sent, 'patd_outbox_backlog'), 0);
      assert.equal(sample(sent, 'patd_outbox_oldest_age_seconds'), 0);
      const count = (t: string) => sample(t, 'patd_outbox_delivery_latency_seconds_count', { kind: 'mail' }) || 0;
      assert.ok(count(sent) > count(before), 'a delivery was timed');
    });
  });
}
