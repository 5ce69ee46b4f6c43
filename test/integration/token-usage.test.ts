import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { dialects } from '../helpers/db.js';
import { ADMIN_PASSWORD, type Auth, addUser, createToken, startTestPatd, T0, type TestPatd } from '../helpers/harness.js';
import { startSibling } from '../helpers/sibling.js';

const DAY = 86_400_000;
const day = (t: number) => new Date(t).toISOString().slice(0, 10);

/** GET /api/v1/tokens/{id}/usage: requests per token per UTC day and the IPs seen, counted in batches. */
for (const dialect of await dialects()) {
  describe(`token usage per day (${dialect})`, () => {
    let p: TestPatd;
    let alice: Auth;
    let bob: Auth;
    before(async () => {
      p = await startTestPatd(dialect, { env: { PATD_TRUST_PROXY: 'true' } });
      const admin = await p.signIn('admin', ADMIN_PASSWORD);
      alice = (await addUser(p, admin, 'alice')).auth;
      bob = (await addUser(p, admin, 'bob')).auth;
    });
    after(async () => p.stop());
    const use = (secret: string, ip: string) => p.req('GET', '/api/v1/tokens/self', { auth: { token: secret }, headers: { 'x-forwarded-for': ip } });

    test('uses are counted per UTC day with their IPs, written at the flush (not per request)', async () => {
      const t = await createToken(p, alice, { name: 'counted', scopes: ['code:read'] });
      for (const ip of ['10.0.0.1', '10.0.0.2', '10.0.0.1']) assert.equal((await use(t.secret, ip)).statusCode, 200);
      let res = await p.req('GET', `/api/v1/tokens/${t.id}/usage`, { auth: alice });
      assert.equal(res.statusCode, 200);
      let days = res.json().days as { day: string; count: number; ips: string[] }[];
      assert.equal(days.length, 30);
      assert.equal(days[29]?.day, day(p.clock.now()));
      assert.equal(days[29]?.count, 0, 'nothing is written before the flush');
      await p.core.verifier.flushUsage();
      res = await p.req('GET', `/api/v1/tokens/${t.id}/usage`, { auth: alice });
      days = res.json().days;
      assert.deepEqual(days[29], { day: day(T0), count: 3, ips: ['10.0.0.1', '10.0.0.2'] });
      assert.equal(days[0]?.day, day(T0 - 29 * DAY));

      // Across midnight UTC within one flush interval: each day keeps its own count.
      p.clock.set(Date.UTC(2026, 10, 1, 23, 59, 59));
      await use(t.secret, '10.0.0.3');
      p.clock.set(Date.UTC(2026, 10, 2, 0, 0, 1));
      await use(t.secret, '10.0.0.4');
      await use(t.secret, '10.0.0.4');
      await p.core.verifier.flushUsage();
      days = (await p.req('GET', `/api/v1/tokens/${t.id}/usage`, { auth: alice })).json().days;
      assert.deepEqual(days.slice(-2), [
        { day: '2026-11-01', count: 4, ips: ['10.0.0.1', '10.0.0.2', '10.0.0.3'] },
        { day: '2026-11-02', count: 2, ips: ['10.0.0.4'] },
      ]);

      // 31 days later the first day has left the window.
      p.clock.set(Date.UTC(2026, 11, 2, 12));
      days = (await p.req('GET', `/api/v1/tokens/${t.id}/usage`, { auth: alice })).json().days;
      assert.equal(days[0]?.day, '2026-11-03');
      assert.ok(days.every((d) => d.count === 0));
      p.clock.set(T0);
    });

    test('a second instance flushing the same token and day adds to it', async () => {
      const t = await createToken(p, alice, { name: 'two instances', scopes: ['code:read'] });
      const sibling = await startSibling(p, { PATD_TRUST_PROXY: 'true' });
      try {
        await use(t.secret, '10.1.0.1');
        const other = await sibling.app.inject({ method: 'GET', url: '/api/v1/tokens/self', headers: { authorization: `Bearer ${t.secret}`, 'x-forwarded-for': '10.1.0.2' } });
        assert.equal(other.statusCode, 200);
        // At once on PostgreSQL; SQLite instances live in separate processes (better-sqlite3 blocks its
        // process while it waits for the lock, so two in one process would only wait on each other).
        if (dialect === 'postgres') await Promise.all([p.core.verifier.flushUsage(), sibling.core.verifier.flushUsage()]);
        else for (const f of [p, sibling]) await f.core.verifier.flushUsage();
      } finally {
        await sibling.close();
      }
      const days = (await p.req('GET', `/api/v1/tokens/${t.id}/usage`, { auth: alice })).json().days;
      assert.equal(days[29].count, 2);
      assert.deepEqual([...days[29].ips].sort(), ['10.1.0.1', '10.1.0.2']);
    });

    test('own tokens only (404 otherwise); a PAT needs tokens:read', async () => {
      const t = await createToken(p, alice, { name: 'private', scopes: ['code:read'] });
      const other = await p.req('GET', `/api/v1/tokens/${t.id}/usage`, { auth: bob });
      assert.equal(other.statusCode, 404);
      assert.equal(other.json().code, 'not_found');
      assert.equal((await p.req('GET', '/api/v1/tokens/tok_nope/usage', { auth: alice })).statusCode, 404);
      assert.equal((await p.req('GET', `/api/v1/tokens/${t.id}/usage`)).statusCode, 401);
      const reader = await createToken(p, alice, { name: 'reader', scopes: ['tokens:read'] });
      assert.equal((await p.req('GET', `/api/v1/tokens/${t.id}/usage`, { auth: { token: reader.secret } })).statusCode, 200);
      const res = await p.req('GET', `/api/v1/tokens/${t.id}/usage`, { auth: { token: t.secret } });
      assert.equal(res.statusCode, 403);
      assert.equal(res.json().code, 'insufficient_scope');
    });
  });
}
