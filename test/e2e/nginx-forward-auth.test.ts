import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { curl } from '../helpers/curl.js';
import { dialects, tampered } from '../helpers/db.js';
import { ADMIN_PASSWORD, type Auth, addUser, createToken, startTestPatd, type TestPatd } from '../helpers/harness.js';
import { findNginx, type Nginx, startNginx } from '../helpers/nginx.js';
import { listen } from '../helpers/sibling.js';

/** The server block of docs/forward-auth.md, with PATD_PORT / APP_PORT filled in. */
export function nginxServerBlock(patdPort: number, appPort: number): string {
  return `
  upstream patd { server 127.0.0.1:${patdPort}; keepalive 16; }
  upstream app  { server 127.0.0.1:${appPort}; }

  server {
    listen 127.0.0.1:PORT;

    # The subrequests: patd answers 200, 401 or 403 from its in-memory cache.
    location = /_patd/read {
      internal;
      proxy_pass http://patd/auth/verify?scope=code:read&org=acme;
      proxy_pass_request_body off;
      proxy_set_header Content-Length "";
      proxy_set_header X-Original-URI $request_uri;
      proxy_set_header X-Original-Method $request_method;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
    location = /_patd/write {
      internal;
      proxy_pass http://patd/auth/verify?scope=code:write&org=acme;
      proxy_pass_request_body off;
      proxy_set_header Content-Length "";
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }

    # A 401 from patd reaches the client with patd's WWW-Authenticate (auth_request passes it on),
    # so git, npm and curl prompt or retry; a 403 stays a 403.
    location / {
      auth_request /_patd/read;
      auth_request_set $patd_user     $upstream_http_x_patd_user;
      auth_request_set $patd_user_id  $upstream_http_x_patd_user_id;
      auth_request_set $patd_token_id $upstream_http_x_patd_token_id;
      auth_request_set $patd_scopes   $upstream_http_x_patd_scopes;

      # Always set (overwriting anything the client sent): the app trusts these.
      proxy_set_header X-Patd-User     $patd_user;
      proxy_set_header X-Patd-User-Id  $patd_user_id;
      proxy_set_header X-Patd-Token-Id $patd_token_id;
      proxy_set_header X-Patd-Scopes   $patd_scopes;
      proxy_set_header Authorization   "";
      proxy_pass http://app;
    }

    location /push/ {
      auth_request /_patd/write;
      auth_request_set $patd_user      $upstream_http_x_patd_user;
      proxy_set_header X-Patd-User $patd_user;
      proxy_set_header Authorization "";
      proxy_pass http://app;
    }
  }`;
}

const nginxBin = findNginx();

// Real nginx (auth_request) in front of a small node:http app, asking a running patd.
for (const dialect of nginxBin ? await dialects() : []) {
  describe(`nginx auth_request in front of an app (${dialect})`, () => {
    let p: TestPatd;
    let app: Server;
    let nginx: Nginx;
    let base: string;
    let alice: { id: string; auth: Auth };
    let reader: { id: string; secret: string };
    const seen: Record<string, string | string[] | undefined>[] = [];

    before(async () => {
      p = await startTestPatd(dialect, { env: { PATD_TRUST_PROXY: 'loopback' } });
      const patdPort = Number(new URL(await listen(p)).port);
      app = createServer((req, res) => {
        seen.push(req.headers);
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ path: req.url, user: req.headers['x-patd-user'] ?? null }));
      });
      await new Promise<void>((r) => app.listen(0, '127.0.0.1', () => r()));
      const appPort = (app.address() as { port: number }).port;
      nginx = await startNginx(nginxBin as string, nginxServerBlock(patdPort, appPort));
      base = `http://127.0.0.1:${nginx.port}`;
      const admin = await p.signIn('admin', ADMIN_PASSWORD);
      alice = await addUser(p, admin, 'alice');
      assert.equal((await p.req('POST', '/api/v1/orgs', { auth: alice.auth, body: { name: 'acme' } })).statusCode, 201);
      reader = await createToken(p, alice.auth, { name: 'reader', scopes: ['code:read'], orgs: ['acme'] });
    });
    after(async () => {
      await nginx?.stop();
      await new Promise((r) => app?.close(r));
      await p?.stop();
    });

    test('no credentials: 401 from nginx with patd\'s Basic and Bearer challenges; the app is not reached', async () => {
      const n = seen.length;
      const r = await curl([`${base}/repos`]);
      assert.equal(r.status, 401, nginx.errorLog());
      assert.equal(r.headers['www-authenticate'], 'Basic realm="patd", charset="UTF-8", Bearer realm="patd"');
      assert.equal(seen.length, n);
    });

    test('a valid token: the app sees X-Patd-User (and not a header the client forged, nor the token)', async () => {
      const r = await curl(['-u', `:${reader.secret}`, '-H', 'X-Patd-User: mallory', `${base}/repos`]);
      assert.equal(r.status, 200, nginx.errorLog());
      assert.deepEqual(r.json(), { path: '/repos', user: 'alice' });
      const h = seen.at(-1) ?? {};
      assert.equal(h['x-patd-user'], 'alice');
      assert.equal(h['x-patd-user-id'], alice.id);
      assert.equal(h['x-patd-token-id'], reader.id);
      assert.equal(h['x-patd-scopes'], 'code:read');
      assert.equal(h.authorization, undefined);
      assert.equal((await curl(['--oauth2-bearer', reader.secret, `${base}/x`])).status, 200);
    });

    test('a bad token: 401 invalid_token; a missing scope: 403', async () => {
      const bad = await curl(['-u', `:${tampered(reader.secret)}`, `${base}/repos`]);
      assert.equal(bad.status, 401);
      assert.match(bad.headers['www-authenticate'] ?? '', /^Basic realm="patd".*error="invalid_token"/);
      const push = await curl(['-u', `:${reader.secret}`, `${base}/push/main`]);
      assert.equal(push.status, 403);
      const writer = await createToken(p, alice.auth, { name: 'writer', scopes: ['code:write'], orgs: ['acme'] });
      const ok = await curl(['-u', `:${writer.secret}`, `${base}/push/main`]);
      assert.equal(ok.status, 200);
      assert.equal(ok.json().user, 'alice');
    });

    test('a revoked token is refused at the very next request', async () => {
      const t = await createToken(p, alice.auth, { name: 'to revoke', scopes: ['code:read'], orgs: ['acme'] });
      assert.equal((await curl(['-u', `:${t.secret}`, `${base}/repos`])).status, 200);
      assert.equal((await p.req('DELETE', `/api/v1/tokens/${t.id}`, { auth: alice.auth })).statusCode, 204);
      const r = await curl(['-u', `:${t.secret}`, `${base}/repos`]);
      assert.equal(r.status, 401);
      assert.match(r.headers['www-authenticate'] ?? '', /token_revoked/);
    });

    test('the org IP allow-list sees the client address nginx reports (X-Forwarded-For from a trusted proxy)', async () => {
      const put = await p.req('PUT', '/api/v1/orgs/acme/policy', { auth: alice.auth, body: { ipAllowlist: ['10.9.0.0/16'] } });
      assert.equal(put.statusCode, 200, put.body);
      try {
        // curl connects from 127.0.0.1, which is not allowed: 403.
        assert.equal((await curl(['-u', `:${reader.secret}`, `${base}/repos`])).status, 403);
      } finally {
        await p.req('PUT', '/api/v1/orgs/acme/policy', { auth: alice.auth, body: { ipAllowlist: [] } });
      }
      assert.equal((await curl(['-u', `:${reader.secret}`, `${base}/repos`])).status, 200);
    });
  });
}
