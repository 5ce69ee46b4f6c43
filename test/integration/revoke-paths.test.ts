import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Patd } from '../../src/server.js';
import { dialects } from '../helpers/db.js';
import { ManualClock } from '../../src/core/clock.js';
import { ADMIN_PASSWORD, type Auth, addUser, createToken, startTestPatd, T0, type TestPatd } from '../helpers/harness.js';
import { startSibling } from '../helpers/sibling.js';

const BIN = fileURLToPath(new URL('../../bin/patd', import.meta.url));
const CTX = { actor: { type: 'system' as const, id: null, name: 'test' }, ip: null, userAgent: null };
const DAY = 86_400_000;

/**
 * Every revoke path goes through the one revoke use case: the token works on both instances
 * before, and after the revocation it is refused on the instance that revoked it at once and on
 * the other within a second (the cache TTL here is 300 s, so only the invalidation can do that).
 */
for (const dialect of await dialects()) {
  describe(`every revoke path, on two instances (${dialect})`, () => {
    let a: TestPatd;
    let b: Patd;
    let admin: Auth;
    let olga: { id: string; auth: Auth };
    let mia: { id: string; auth: Auth };
    before(async () => {
      a = await startTestPatd(dialect, { env: { PATD_AUTH_CACHE_SECONDS: '300' } });
      // B keeps its own clock: the unused-token case moves A's clock by days, which must not expire B's cache.
      b = await startSibling(a, { PATD_AUTH_CACHE_SECONDS: '300' }, { clock: new ManualClock(T0) });
      admin = await a.signIn('admin', ADMIN_PASSWORD);
      olga = await addUser(a, admin, 'olga');
      mia = await addUser(a, admin, 'mia');
      assert.equal((await a.req('POST', '/api/v1/orgs', { auth: olga.auth, body: { name: 'acme' } })).statusCode, 201);
      assert.equal((await a.req('PUT', '/api/v1/orgs/acme/members/mia', { auth: admin, body: { role: 'member' } })).statusCode, 200);
    });
    after(async () => {
      await b.close();
      await a.stop();
    });

    const check = (p: Pick<Patd, 'app'>, secret: string) =>
      p.app.inject({ method: 'GET', url: '/auth/verify?org=acme', headers: { authorization: `Bearer ${secret}` } });

    /**
     * Works on A and on B (so B has it cached), then `revoke`, then refused on A at once and on B
     * within 1 s. A change made in another process (the CLI) reaches A within 1 s too.
     */
    async function revokedEverywhere(secret: string, revoke: () => Promise<unknown>, o: { elsewhere?: boolean } = {}) {
      assert.equal((await check(a, secret)).statusCode, 200, 'works on A before');
      assert.equal((await check(b, secret)).statusCode, 200, 'works on B before');
      await revoke();
      const byA = Date.now() + (o.elsewhere ? 1000 : 0);
      let onA = await check(a, secret);
      while (onA.statusCode === 200 && Date.now() < byA) {
        await new Promise((r) => setTimeout(r, 25));
        onA = await check(a, secret);
      }
      assert.equal(onA.statusCode, 401, `A: ${onA.body}`);
      assert.equal(onA.json().code, 'token_revoked');
      const until = Date.now() + 1000;
      let onB = await check(b, secret);
      while (onB.statusCode === 200 && Date.now() < until) {
        await new Promise((r) => setTimeout(r, 25));
        onB = await check(b, secret);
      }
      assert.equal(onB.statusCode, 401, 'B refuses within 1 s');
      assert.equal(onB.json().code, 'token_revoked');
    }

    test('the owner, with a session', async () => {
      const t = await createToken(a, mia.auth, { name: 'mine', scopes: ['code:read'] });
      await revokedEverywhere(t.secret, async () => assert.equal((await a.req('DELETE', `/api/v1/tokens/${t.id}`, { auth: mia.auth })).statusCode, 204));
    });

    test('the token itself (DELETE /tokens/self)', async () => {
      const t = await createToken(a, mia.auth, { name: 'self', scopes: ['code:read'] });
      await revokedEverywhere(t.secret, async () => assert.equal((await a.req('DELETE', '/api/v1/tokens/self', { auth: { token: t.secret } })).statusCode, 204));
    });

    test('an org admin', async () => {
      const t = await createToken(a, mia.auth, { name: 'global', scopes: ['code:read'] });
      await revokedEverywhere(t.secret, async () => assert.equal((await a.req('DELETE', `/api/v1/orgs/acme/tokens/${t.id}`, { auth: olga.auth })).statusCode, 204));
    });

    test('the operator at the CLI (patd token revoke)', async () => {
      const t = await createToken(a, mia.auth, { name: 'cli', scopes: ['code:read'] });
      await revokedEverywhere(t.secret, async () => {
        const r = spawnSync(BIN, ['token', 'revoke', t.id], { env: { ...process.env, PATD_DATA_DIR: a.db.dataDir, PATD_DATABASE_URL: a.db.url, PATD_LOG_LEVEL: 'warn' }, encoding: 'utf8' });
        assert.equal(r.status, 0, r.stderr);
      }, { elsewhere: true });
    });

    test('a resource server (RFC 7009)', async () => {
      const c = await a.clients.add(CTX, 'svc');
      const t = await createToken(a, mia.auth, { name: 'rfc7009', scopes: ['code:read'] });
      await revokedEverywhere(t.secret, async () => {
        const res = await a.app.inject({
          method: 'POST', url: '/oauth/revoke', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${c.client.id}:${c.secret}`).toString('base64')}` },
          payload: `token=${encodeURIComponent(t.secret)}`,
        });
        assert.equal(res.statusCode, 200);
      });
    });

    test('a leak report', async () => {
      const t = await createToken(a, mia.auth, { name: 'leaked', scopes: ['code:read'] });
      await revokedEverywhere(t.secret, async () => assert.equal((await a.req('POST', '/api/v1/token-revocations', { body: { tokens: [t.secret] } })).statusCode, 202));
    });

    test('the unused-token policy', async () => {
      const t = await createToken(a, mia.auth, { name: 'idle', scopes: ['code:read'], expiresInDays: 60 });
      await revokedEverywhere(t.secret, async () => {
        await a.core.verifier.flushUsage();
        assert.equal((await a.req('PUT', '/api/v1/orgs/acme/policy', { auth: olga.auth, body: { revokeUnusedDays: 1 } })).statusCode, 200);
        a.clock.advance(2 * DAY);
        const r = await a.notifications.scanner.runOnce();
        assert.ok(r.revokedUnused >= 1);
        assert.equal((await a.req('PUT', '/api/v1/orgs/acme/policy', { auth: olga.auth, body: { revokeUnusedDays: null } })).statusCode, 200);
      });
    });

    test("deleting a service account revokes its tokens", async () => {
      assert.equal((await a.req('POST', '/api/v1/orgs/acme/service-accounts', { auth: olga.auth, body: { username: 'bot' } })).statusCode, 201);
      const t = await a.req('POST', '/api/v1/orgs/acme/service-accounts/bot/tokens', { auth: olga.auth, body: { name: 'deploy', scopes: ['code:read'] } });
      await revokedEverywhere(t.json().secret, async () => assert.equal((await a.req('DELETE', '/api/v1/orgs/acme/service-accounts/bot', { auth: olga.auth })).statusCode, 204));
    });
  });
}
