import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Patd } from '../../src/server.js';
import { curl } from '../helpers/curl.js';
import { dialects } from '../helpers/db.js';
import { ADMIN_PASSWORD, type Auth, createToken, startTestPatd, type TestPatd } from '../helpers/harness.js';
import { listen, startSibling } from '../helpers/sibling.js';

const TTL_S = 5; // PATD_AUTH_CACHE_SECONDS default
const CTX = { actor: { type: 'system' as const, id: null, name: 'test' }, ip: null, userAgent: null };

// Two patd instances on one database and one clock: a revocation on A is seen by A at once
// and by B once PATD_AUTH_CACHE_SECONDS have passed, when B never hears of it: both
// invalidation feeds are stopped, as if every message were lost. That is the bound the TTL
// keeps (docs/instances.md; with the feeds running, test/integration/invalidation-instances.test.ts:
// within 1 s).
for (const dialect of await dialects()) {
  describe(`revocation across instances (${dialect})`, () => {
    let a: TestPatd;
    let b: Patd;
    let baseA: string;
    let baseB: string;
    let admin: Auth;
    let client: { id: string; secret: string };

    before(async () => {
      a = await startTestPatd(dialect);
      assert.equal(a.config.authCacheSeconds, TTL_S);
      b = await startSibling(a);
      for (const p of [a, b]) for (const w of p.workers) if (w.name === 'invalidations') await w.stop();
      baseA = await listen(a);
      baseB = await listen(b);
      admin = await a.signIn('admin', ADMIN_PASSWORD);
      const c = await a.clients.add(CTX, 'svc');
      client = { id: c.client.id, secret: c.secret };
    });
    after(async () => {
      await b.close();
      await a.stop();
    });

    const fwd = (base: string, secret: string) => curl(['-u', `:${secret}`, `${base}/auth/verify`]);
    const active = async (base: string, secret: string) =>
      (await curl(['-u', `${client.id}:${client.secret}`, '--data-urlencode', `token=${secret}`, `${base}/oauth/introspect`])).json().active;

    test('revoked through A: A refuses at once, B within PATD_AUTH_CACHE_SECONDS', async () => {
      const t = await createToken(a, admin, { name: 'shared', scopes: ['code:read'] });
      // Both instances have verified (and cached) the token.
      assert.equal((await fwd(baseA, t.secret)).status, 200);
      assert.equal((await fwd(baseB, t.secret)).status, 200);
      assert.equal(await active(baseB, t.secret), true);

      assert.equal((await a.req('DELETE', `/api/v1/tokens/${t.id}`, { auth: admin })).statusCode, 204);
      assert.equal((await fwd(baseA, t.secret)).status, 401);
      assert.equal(await active(baseA, t.secret), false);

      // B still answers from its cache: the bound is the TTL, not zero.
      a.clock.advance(TTL_S * 1000 - 1);
      assert.equal((await fwd(baseB, t.secret)).status, 200);
      assert.equal(await active(baseB, t.secret), true);

      a.clock.advance(2);
      const r = await fwd(baseB, t.secret);
      assert.equal(r.status, 401);
      assert.equal(r.json().code, 'token_revoked');
      assert.equal(await active(baseB, t.secret), false);
    });

    test('revoked through RFC 7009 on B: B at once, A within the TTL', async () => {
      const t = await createToken(a, admin, { name: 'shared2', scopes: ['code:read'] });
      assert.equal((await fwd(baseA, t.secret)).status, 200);
      const r = await curl(['-u', `${client.id}:${client.secret}`, '--data-urlencode', `token=${t.secret}`, `${baseB}/oauth/revoke`]);
      assert.equal(r.status, 200);
      assert.equal((await fwd(baseB, t.secret)).status, 401);
      assert.equal((await fwd(baseA, t.secret)).status, 200);
      a.clock.advance(TTL_S * 1000 + 1);
      assert.equal((await fwd(baseA, t.secret)).status, 401);
    });

    test('a client removed on A stops working on B within the TTL', async () => {
      const c = await a.clients.add(CTX, 'gone');
      const t = await createToken(a, admin, { name: 'x', scopes: ['code:read'] });
      const ask = (base: string) => curl(['-u', `${c.client.id}:${c.secret}`, '--data-urlencode', `token=${t.secret}`, `${base}/oauth/introspect`]);
      assert.equal((await ask(baseB)).status, 200);
      await a.clients.remove(CTX, c.client.id);
      assert.equal((await ask(baseA)).status, 401);
      a.clock.advance(TTL_S * 1000 + 1);
      assert.equal((await ask(baseB)).status, 401);
    });
  });
}
