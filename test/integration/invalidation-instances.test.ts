import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import pg from 'pg';
import { LISTENER_APPLICATION_NAME } from '../../src/adapters/invalidations/pg-listener.js';
import type { Patd } from '../../src/server.js';
import { dialects, PG_ADMIN_URL } from '../helpers/db.js';
import { ADMIN_PASSWORD, type Auth, addUser, createToken, startTestPatd, type TestPatd } from '../helpers/harness.js';
import { startSibling } from '../helpers/sibling.js';

const run = promisify(execFile);
// A TTL far beyond the test and a clock that stands still: only a message from the other
// instance (or the CLI) can make a cached check change its answer.
const ENV = { PATD_AUTH_CACHE_SECONDS: '300' };
const SECRET = 'test-secret-test-secret-test-secret-0123';

async function check(base: string, secret: string, query = ''): Promise<{ status: number; code?: string }> {
  const r = await fetch(`${base}/auth/verify${query}`, { headers: { authorization: `Bearer ${secret}` } });
  const body = r.status === 200 ? {} : ((await r.json()) as { code?: string });
  return { status: r.status, code: body.code };
}

/** Polls until the check stops answering 200; fails if that takes more than `ms`. */
async function refusedWithin(ms: number, probe: () => Promise<{ status: number; code?: string }>): Promise<{ status: number; code?: string }> {
  const start = Date.now();
  for (;;) {
    const r = await probe();
    if (r.status !== 200) return r;
    assert.ok(Date.now() - start < ms, `still accepted after ${Date.now() - start} ms`);
    await new Promise((res) => setTimeout(res, 20));
  }
}

for (const dialect of await dialects()) {
  describe(`two instances agree within a second (${dialect})`, () => {
    let a: TestPatd;
    let b: Patd;
    let baseA: string;
    let baseB: string;
    let admin: Auth;

    before(async () => {
      a = await startTestPatd(dialect, { env: ENV });
      b = await startSibling(a, ENV);
      baseA = await a.listen();
      baseB = await b.listen();
      admin = await a.signIn('admin', ADMIN_PASSWORD);
      assert.equal((await a.req('POST', '/api/v1/orgs', { auth: admin, body: { name: 'acme' } })).statusCode, 201);
    });
    after(async () => {
      await b.close();
      await a.stop();
    });

    /** A token checked (and so cached) on B, then changed on A: B must refuse it within 1 s. */
    async function cachedOnB(secret: string, query = '') {
      assert.equal((await check(baseB, secret, query)).status, 200);
      assert.equal((await check(baseB, secret, query)).status, 200);
    }

    test('a token revoked on A', async () => {
      const t = await createToken(a, admin, { name: 'revoke-me', scopes: ['code:read'] });
      await cachedOnB(t.secret);
      assert.equal((await a.req('DELETE', `/api/v1/tokens/${t.id}`, { auth: admin })).statusCode, 204);
      assert.deepEqual(await refusedWithin(1_000, () => check(baseB, t.secret)), { status: 401, code: 'token_revoked' });
    });

    test('its owner disabled on A', async () => {
      const u = await addUser(a, admin, 'dora');
      const t = await createToken(a, u.auth, { name: 'dora', scopes: ['code:read'] });
      await cachedOnB(t.secret);
      assert.equal((await a.req('PATCH', `/api/v1/users/${u.id}`, { auth: admin, body: { disabled: true } })).statusCode, 200);
      assert.deepEqual(await refusedWithin(1_000, () => check(baseB, t.secret)), { status: 401, code: 'user_disabled' });
    });

    test('its owner removed from the org on A', async () => {
      const u = await addUser(a, admin, 'mel');
      assert.equal((await a.req('PUT', '/api/v1/orgs/acme/members/mel', { auth: admin, body: { role: 'member' } })).statusCode, 200);
      const t = await createToken(a, u.auth, { name: 'mel', scopes: ['code:read'], orgs: ['acme'] });
      await cachedOnB(t.secret, '?org=acme');
      assert.equal((await a.req('DELETE', '/api/v1/orgs/acme/members/mel', { auth: admin })).statusCode, 204);
      assert.deepEqual(await refusedWithin(1_000, () => check(baseB, t.secret, '?org=acme')), { status: 403, code: 'org_forbidden' });
    });

    test('an org policy changed on A: global tokens, then the IP allow-list', async () => {
      const global = await createToken(a, admin, { name: 'global', scopes: ['code:read'] });
      const limited = await createToken(a, admin, { name: 'limited', scopes: ['code:read'], orgs: ['acme'] });
      await cachedOnB(global.secret, '?org=acme');
      await cachedOnB(limited.secret, '?org=acme');
      assert.equal((await a.req('PUT', '/api/v1/orgs/acme/policy', { auth: admin, body: { allowGlobalTokens: false } })).statusCode, 200);
      assert.deepEqual(await refusedWithin(1_000, () => check(baseB, global.secret, '?org=acme')), { status: 403, code: 'org_forbidden' });
      assert.equal((await check(baseB, limited.secret, '?org=acme')).status, 200);
      assert.equal((await a.req('PUT', '/api/v1/orgs/acme/policy', { auth: admin, body: { allowGlobalTokens: false, ipAllowlist: ['203.0.113.0/24'] } })).statusCode, 200);
      assert.deepEqual(await refusedWithin(1_000, () => check(baseB, limited.secret, '?org=acme')), { status: 403, code: 'ip_forbidden' });
      // Relaxed again on A: B accepts again (the refusal was not cached for the TTL either).
      assert.equal((await a.req('PUT', '/api/v1/orgs/acme/policy', { auth: admin, body: { allowGlobalTokens: true, ipAllowlist: [] } })).statusCode, 200);
      const start = Date.now();
      while ((await check(baseB, limited.secret, '?org=acme')).status !== 200) {
        assert.ok(Date.now() - start < 1_000, 'still refused on B after the policy was relaxed');
        await new Promise((r) => setTimeout(r, 20));
      }
    });

    test('a service account deleted on A', async () => {
      const sa = '/api/v1/orgs/acme/service-accounts';
      assert.equal((await a.req('POST', sa, { auth: admin, body: { username: 'ci-bot' } })).statusCode, 201);
      const res = await a.req('POST', `${sa}/ci-bot/tokens`, { auth: admin, body: { name: 'deploy', scopes: ['code:read'] } });
      assert.equal(res.statusCode, 201, res.body);
      const secret = res.json().secret as string;
      await cachedOnB(secret, '?org=acme');
      const del = await a.req('DELETE', `${sa}/ci-bot`, { auth: admin });
      assert.ok(del.statusCode < 300, del.body);
      assert.equal((await refusedWithin(1_000, () => check(baseB, secret, '?org=acme'))).status, 401);
    });

    test('a token revoked on B by a resource server (RFC 7009): refused on A within 1 s', async () => {
      const c = await a.clients.add({ actor: { type: 'system', id: null, name: 'test' }, ip: null, userAgent: null }, 'svc');
      const t = await createToken(a, admin, { name: 'rfc7009', scopes: ['code:read'] });
      await cachedOnB(t.secret);
      assert.equal((await check(baseA, t.secret)).status, 200);
      const r = await fetch(`${baseB}/oauth/revoke`, {
        method: 'POST', body: new URLSearchParams({ token: t.secret }),
        headers: { authorization: `Basic ${Buffer.from(`${c.client.id}:${c.secret}`).toString('base64')}` },
      });
      assert.equal(r.status, 200);
      assert.deepEqual(await refusedWithin(1_000, () => check(baseA, t.secret)), { status: 401, code: 'token_revoked' });
    });

    test('a token revoked by the CLI (another process) while both servers run', async () => {
      const t = await createToken(a, admin, { name: 'cli-revoke', scopes: ['code:read'] });
      await cachedOnB(t.secret);
      await run(process.execPath, ['bin/patd', 'token', 'revoke', t.id], {
        env: { ...process.env, PATD_DATA_DIR: a.db.dataDir, PATD_DATABASE_URL: a.db.url, PATD_SECRET: SECRET, PATD_LOG_LEVEL: 'silent' },
      });
      assert.deepEqual(await refusedWithin(1_000, () => check(baseB, t.secret)), { status: 401, code: 'token_revoked' });
    });

    if (dialect === 'postgres') {
      test('the LISTEN connection killed (pg_terminate_backend): B reconnects and keeps agreeing', async () => {
        const admin_ = new pg.Client({ connectionString: PG_ADMIN_URL });
        await admin_.connect();
        const dbName = new URL(a.db.url).pathname.slice(1);
        const listeners = async () => (await admin_.query(
          `select pid from pg_stat_activity where datname = $1 and application_name = $2 and query ilike 'LISTEN%'`, [dbName, LISTENER_APPLICATION_NAME],
        )).rows.map((r) => r.pid as number);
        try {
          const before_ = await listeners();
          assert.equal(before_.length, 2, 'A and B each listen on a connection of their own');
          // Cached on B before the kill; revoked while nobody listens: the message is lost.
          const lost = await createToken(a, admin, { name: 'lost-message', scopes: ['code:read'] });
          await cachedOnB(lost.secret);
          await admin_.query('select pg_terminate_backend(pid) from unnest($1::int[]) as pid', [before_]);
          assert.equal((await a.req('DELETE', `/api/v1/tokens/${lost.id}`, { auth: admin })).statusCode, 204);
          // Reconnected: dropped everything it had cached, since it may have missed messages.
          assert.deepEqual(await refusedWithin(5_000, () => check(baseB, lost.secret)), { status: 401, code: 'token_revoked' });
          const start = Date.now();
          for (;;) {
            const now = await listeners();
            if (now.length === 2 && now.every((p) => !before_.includes(p))) break;
            assert.ok(Date.now() - start < 10_000, `listeners did not come back: ${now}`);
            await new Promise((r) => setTimeout(r, 50));
          }
          // And agrees within a second again.
          const t = await createToken(a, admin, { name: 'after-reconnect', scopes: ['code:read'] });
          await cachedOnB(t.secret);
          assert.equal((await a.req('DELETE', `/api/v1/tokens/${t.id}`, { auth: admin })).statusCode, 204);
          assert.deepEqual(await refusedWithin(1_000, () => check(baseB, t.secret)), { status: 401, code: 'token_revoked' });
        } finally {
          await admin_.end();
        }
      });
    }
  });
}
