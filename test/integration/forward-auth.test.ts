import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DAY_MS } from '../../src/core/clock.js';
import { generateToken } from '../../src/core/tokens/format.js';
import type { Patd } from '../../src/server.js';
import { curl } from '../helpers/curl.js';
import { dialects } from '../helpers/db.js';
import { ADMIN_PASSWORD, type Auth, addUser, createToken, startTestPatd, type TestPatd } from '../helpers/harness.js';
import { listen, startSibling } from '../helpers/sibling.js';

const BOTH = 'Basic realm="patd", charset="UTF-8", Bearer realm="patd"';

// GET /auth/verify with the real curl binary, for every outcome of the spec's "Using a token".
for (const dialect of await dialects()) {
  describe(`forward-auth /auth/verify (${dialect})`, () => {
    let p: TestPatd;
    let base: string;
    let admin: Auth;
    let alice: { id: string; auth: Auth };
    let tok: { id: string; secret: string };
    const verify = (args: string[], path = '/auth/verify') => curl([...args, `${base}${path}`]);

    before(async () => {
      p = await startTestPatd(dialect, { env: { PATD_TRUST_PROXY: '127.0.0.1' } });
      base = await listen(p);
      admin = await p.signIn('admin', ADMIN_PASSWORD);
      alice = await addUser(p, admin, 'alice');
      for (const [name, who] of [['acme', alice.auth], ['other', admin]] as const) {
        const r = await p.req('POST', '/api/v1/orgs', { auth: who, body: { name } });
        assert.equal(r.statusCode, 201, r.body);
      }
      tok = await createToken(p, alice.auth, { name: 'proxy', scopes: ['code:read'], orgs: ['acme'] });
    });
    after(() => p.stop());

    test('no credentials: 401 with the Basic and Bearer challenges', async () => {
      const r = await verify([]);
      assert.equal(r.status, 401);
      assert.equal(r.headers['www-authenticate'], BOTH);
      assert.equal(r.json().code, 'unauthenticated');
      assert.match(r.headers['content-type'] ?? '', /application\/problem\+json/);
    });

    test('a valid token, however a client sends it: 200 and the X-Patd-* headers', async () => {
      for (const args of [['-u', `:${tok.secret}`], ['-u', `${tok.secret}:`], ['-u', `anything:${tok.secret}`], ['--oauth2-bearer', tok.secret]]) {
        const r = await verify(args);
        assert.equal(r.status, 200, `${args[0]}: ${r.body}`);
        assert.equal(r.headers['x-patd-user'], 'alice');
        assert.equal(r.headers['x-patd-user-id'], alice.id);
        assert.equal(r.headers['x-patd-token-id'], tok.id);
        assert.equal(r.headers['x-patd-scopes'], 'code:read');
        assert.equal(r.headers['x-patd-orgs'], 'acme');
        assert.equal(r.headers['cache-control'], 'no-store');
      }
      const head = await verify(['-I', '-u', `:${tok.secret}`]);
      assert.equal(head.status, 200);
    });

    test('malformed, bad checksum and unknown tokens: 401 invalid_token (challenges for git and curl)', async () => {
      const bad = `${tok.secret.slice(0, -1)}${tok.secret.endsWith('A') ? 'B' : 'A'}`;
      for (const secret of ['nope', bad, generateToken('patd_')]) {
        const r = await verify(['-u', `:${secret}`]);
        assert.equal(r.status, 401);
        assert.equal(r.json().code, 'token_invalid');
        const ch = r.headers['www-authenticate'] ?? '';
        assert.match(ch, /^Basic realm="patd"/);
        assert.match(ch, /Bearer realm="patd", error="invalid_token"/);
      }
      const r = await verify(['-H', 'Authorization: Negotiate abc']);
      assert.equal(r.status, 401);
    });

    test('?scope= and X-Patd-Scope: 403 insufficient_scope when missing; implied scopes pass', async () => {
      assert.equal((await verify(['-u', `:${tok.secret}`], '/auth/verify?scope=code:read')).status, 200);
      const r = await verify(['-u', `:${tok.secret}`], '/auth/verify?scope=code:write');
      assert.equal(r.status, 403);
      assert.equal(r.json().code, 'insufficient_scope');
      assert.match(r.headers['www-authenticate'] ?? '', /error="insufficient_scope", scope="code:write"/);
      // A header added by a proxy (or a client) can only narrow what the query allows.
      const h = await verify(['-u', `:${tok.secret}`, '-H', 'X-Patd-Scope: code:write'], '/auth/verify?scope=code:read');
      assert.equal(h.status, 403);
    });

    test('?org=: 403 org_forbidden for an org the token is not for', async () => {
      assert.equal((await verify(['-u', `:${tok.secret}`], '/auth/verify?org=acme')).status, 200);
      const r = await verify(['-u', `:${tok.secret}`], '/auth/verify?org=other');
      assert.equal(r.status, 403);
      assert.equal(r.json().code, 'org_forbidden');
      assert.equal((await verify(['-u', `:${tok.secret}`], '/auth/verify?org=nosuch')).status, 403);
    });

    test('Envoy ext_authz paths: any method under /auth/verify/, requirements from headers only', async () => {
      const r = await verify(['-X', 'POST', '-u', `:${tok.secret}`], '/auth/verify/acme/builds?scope=code:write');
      assert.equal(r.status, 200);
      assert.equal(r.headers['x-patd-user'], 'alice');
      const h = await verify(['-X', 'DELETE', '-u', `:${tok.secret}`, '-H', 'X-Patd-Scope: code:write'], '/auth/verify/x');
      assert.equal(h.status, 403);
      assert.equal((await verify([], '/auth/verify/x')).status, 401);
    });

    test('org IP allow-list: the client IP comes from X-Forwarded-For / X-Real-IP of a trusted proxy only', async () => {
      const put = await p.req('PUT', '/api/v1/orgs/acme/policy', { auth: alice.auth, body: { ipAllowlist: ['203.0.113.0/24'] } });
      assert.equal(put.statusCode, 200, put.body);
      const direct = await verify(['-u', `:${tok.secret}`], '/auth/verify?org=acme');
      assert.equal(direct.status, 403);
      assert.equal(direct.json().code, 'ip_forbidden');
      const viaXff = await verify(['-u', `:${tok.secret}`, '-H', 'X-Forwarded-For: 198.51.100.1, 203.0.113.7'], '/auth/verify?org=acme');
      assert.equal(viaXff.status, 200, viaXff.body);
      // The rightmost untrusted address counts: a client cannot prepend its way in.
      const spoof = await verify(['-u', `:${tok.secret}`, '-H', 'X-Forwarded-For: 203.0.113.7, 198.51.100.1'], '/auth/verify?org=acme');
      assert.equal(spoof.status, 403);
      const viaReal = await verify(['-u', `:${tok.secret}`, '-H', 'X-Real-IP: 203.0.113.9'], '/auth/verify?org=acme');
      assert.equal(viaReal.status, 200);
      // Without the org, the allow-list does not apply.
      assert.equal((await verify(['-u', `:${tok.secret}`])).status, 200);

      // An instance that trusts no proxy ignores both headers.
      let b: Patd | null = null;
      try {
        b = await startSibling(p);
        const bBase = await listen(b);
        for (const h of ['X-Forwarded-For: 203.0.113.7', 'X-Real-IP: 203.0.113.7']) {
          const r = await curl(['-u', `:${tok.secret}`, '-H', h, `${bBase}/auth/verify?org=acme`]);
          assert.equal(r.status, 403, h);
          assert.equal(r.json().code, 'ip_forbidden');
        }
      } finally {
        await b?.close();
        await p.req('PUT', '/api/v1/orgs/acme/policy', { auth: alice.auth, body: { ipAllowlist: [] } });
      }
    });

    test('the hot path reads no storage per request', async () => {
      const r = p.store.r as unknown as Record<string, Record<string, (...a: unknown[]) => unknown>>;
      let reads = 0;
      const restore: (() => void)[] = [];
      for (const repo of ['tokens', 'users', 'members', 'policies', 'orgs']) {
        for (const [k, fn] of Object.entries(r[repo] ?? {})) {
          (r[repo] as Record<string, unknown>)[k] = (...a: unknown[]) => {
            reads++;
            return fn(...a);
          };
          restore.push(() => {
            (r[repo] as Record<string, unknown>)[k] = fn;
          });
        }
      }
      try {
        await verify(['-u', `:${tok.secret}`]);
        reads = 0;
        for (let i = 0; i < 20; i++) assert.equal((await verify(['-u', `:${tok.secret}`], '/auth/verify?scope=code:read&org=acme')).status, 200);
        assert.equal(reads, 0);
      } finally {
        for (const f of restore) f();
      }
    });

    test('a disabled owner: 401 user_disabled at once', async () => {
      const bob = await addUser(p, admin, 'bob');
      const t = await createToken(p, bob.auth, { name: 'b', scopes: ['code:read'] });
      assert.equal((await verify(['-u', `:${t.secret}`])).status, 200);
      const res = await p.req('PATCH', `/api/v1/users/${bob.id}`, { auth: admin, body: { disabled: true } });
      assert.equal(res.statusCode, 200, res.body);
      const r = await verify(['-u', `:${t.secret}`]);
      assert.equal(r.status, 401);
      assert.equal(r.json().code, 'user_disabled');
    });

    test('a revoked token is refused at the very next request', async () => {
      const t = await createToken(p, alice.auth, { name: 'soon revoked', scopes: ['code:read'] });
      assert.equal((await verify(['-u', `:${t.secret}`])).status, 200);
      const del = await p.req('DELETE', `/api/v1/tokens/${t.id}`, { auth: alice.auth });
      assert.equal(del.statusCode, 204);
      const r = await verify(['-u', `:${t.secret}`]);
      assert.equal(r.status, 401);
      assert.equal(r.json().code, 'token_revoked');
      assert.match(r.headers['www-authenticate'] ?? '', /^Basic realm="patd".*error="invalid_token"/);
    });

    test('an expired token: 401 token_expired', async () => {
      const t = await createToken(p, alice.auth, { name: 'short', scopes: ['code:read'], expiresInDays: 7 });
      assert.equal((await verify(['-u', `:${t.secret}`])).status, 200);
      p.clock.advance(7 * DAY_MS + 1000);
      const r = await verify(['-u', `:${t.secret}`]);
      assert.equal(r.status, 401);
      assert.equal(r.json().code, 'token_expired');
    });
  });
}
