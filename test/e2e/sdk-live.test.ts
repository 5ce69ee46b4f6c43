import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, describe, test } from 'node:test';
import express from 'express';
import Fastify, { type FastifyInstance } from 'fastify';
import {
  type ActiveResult, createVerifier, fastifyRequireToken, type PatdRequire, patdFastify, requireToken, type Verifier,
} from '../../packages/sdk/src/index.js';
import { curl } from '../helpers/curl.js';
import { dialects, tampered } from '../helpers/db.js';
import { ADMIN_PASSWORD, type Auth, addUser, createToken, startTestPatd, type TestPatd } from '../helpers/harness.js';
import { listen } from '../helpers/sibling.js';

declare module 'fastify' {
  interface FastifyInstance {
    patdRequire: PatdRequire;
  }
  interface FastifyRequest {
    patd?: ActiveResult | null;
  }
}

const CTX = { actor: { type: 'system' as const, id: null, name: 'test' }, ip: null, userAgent: null };

// The SDK's Fastify plugin, its middleware in Express and in node:http, against a running patd.
for (const dialect of await dialects()) {
  describe(`@patd/sdk against a running patd (${dialect})`, () => {
    let p: TestPatd;
    let patdUrl: string;
    let alice: { id: string; auth: Auth };
    let client: { id: string; secret: string };
    let tok: { id: string; secret: string };
    let verifier: Verifier;
    let sdkNow = 0;
    let fastifyApp: FastifyInstance;
    let expressServer: Server;
    let nodeServer: Server;
    const urls: Record<string, string> = {};

    before(async () => {
      p = await startTestPatd(dialect);
      patdUrl = await listen(p);
      const admin = await p.signIn('admin', ADMIN_PASSWORD);
      alice = await addUser(p, admin, 'alice');
      for (const name of ['acme', 'beta']) assert.equal((await p.req('POST', '/api/v1/orgs', { auth: alice.auth, body: { name } })).statusCode, 201);
      const c = await p.clients.add(CTX, 'sdk-test');
      client = { id: c.client.id, secret: c.secret };
      tok = await createToken(p, alice.auth, { name: 'sdk', scopes: ['code:read', 'build:execute'], orgs: ['acme'] });
      sdkNow = p.clock.now();
      verifier = createVerifier({ url: patdUrl, clientId: client.id, clientSecret: client.secret, cacheTtlMs: 2_000, now: () => sdkNow });

      fastifyApp = Fastify();
      await fastifyApp.register(patdFastify, { verifier });
      fastifyApp.get('/me', { preHandler: fastifyApp.patdRequire({ scope: 'code:read' }) }, async (req) => ({ user: req.patd?.username, tokenId: req.patd?.tokenId }));
      fastifyApp.get<{ Params: { org: string } }>('/:org/builds', {
        preHandler: fastifyRequireToken({ verifier, scope: 'build:read', org: (req) => req.params.org }),
      }, async (req) => ({ org: req.params.org, user: req.patd?.username }));
      fastifyApp.get('/write', { preHandler: fastifyApp.patdRequire({ scope: 'code:write' }) }, async () => 'never');
      urls.fastify = await fastifyApp.listen({ port: 0, host: '127.0.0.1' });

      const ex = express();
      ex.get('/:org/repos', requireToken({ verifier, scope: 'code:read', org: (req) => req.params.org }), (req, res) => {
        res.json({ user: (req as unknown as { patd: ActiveResult }).patd.username, org: req.params.org });
      });
      expressServer = ex.listen(0, '127.0.0.1');
      await new Promise((r) => expressServer.once('listening', r));
      urls.express = `http://127.0.0.1:${(expressServer.address() as { port: number }).port}`;

      const guard = requireToken({ verifier, scope: 'code:read', org: (req: { url?: string }) => req.url?.split('/')[1] || undefined });
      nodeServer = createServer((req, res) => {
        guard(req, res, () => {
          res.setHeader('content-type', 'application/json');
          res.end(JSON.stringify({ user: (req as unknown as { patd: ActiveResult }).patd.username }));
        });
      });
      await new Promise<void>((r) => nodeServer.listen(0, '127.0.0.1', () => r()));
      urls.node = `http://127.0.0.1:${(nodeServer.address() as { port: number }).port}`;
    });
    after(async () => {
      verifier?.close();
      await fastifyApp?.close();
      await new Promise((r) => expressServer?.close(r));
      await new Promise((r) => nodeServer?.close(r));
      await p?.stop();
    });

    test('verify(): an active answer with the fields the server sends', async () => {
      const r = await verifier.verify(tok.secret);
      assert.equal(r.active, true);
      if (!r.active) return;
      assert.equal(r.username, 'alice');
      assert.equal(r.userId, alice.id);
      assert.equal(r.tokenId, tok.id);
      assert.deepEqual(r.scopes, ['code:read', 'build:execute']);
      assert.deepEqual(r.orgs, ['acme']);
      assert.equal(r.clientId, client.id);
      assert.deepEqual(await verifier.verify(tok.secret, { org: 'beta' }), { active: false, reason: 'org_forbidden' });
      assert.deepEqual(await verifier.verify('patd_nope'), { active: false });
    });

    test('Fastify plugin: 200, 401 with challenges, 403 insufficient_scope, 403 org_forbidden', async () => {
      const ok = await curl(['-u', `:${tok.secret}`, `${urls.fastify}/me`]);
      assert.equal(ok.status, 200, ok.body);
      assert.deepEqual(ok.json(), { user: 'alice', tokenId: tok.id });
      const none = await curl([`${urls.fastify}/me`]);
      assert.equal(none.status, 401);
      assert.equal(none.headers['www-authenticate'], 'Basic realm="patd", charset="UTF-8", Bearer realm="patd"');
      assert.equal(none.json().type, 'urn:patd:problem:unauthenticated');
      const bad = await curl(['--oauth2-bearer', tampered(tok.secret), `${urls.fastify}/me`]);
      assert.equal(bad.status, 401);
      assert.equal(bad.json().code, 'token_invalid');
      const scope = await curl(['-u', `:${tok.secret}`, `${urls.fastify}/write`]);
      assert.equal(scope.status, 403);
      assert.equal(scope.json().code, 'insufficient_scope');
      assert.equal((await curl(['-u', `:${tok.secret}`, `${urls.fastify}/acme/builds`])).json().user, 'alice');
      const org = await curl(['-u', `:${tok.secret}`, `${urls.fastify}/beta/builds`]);
      assert.equal(org.status, 403);
      assert.equal(org.json().code, 'org_forbidden');
    });

    test('Express middleware: 200, 401, 403 org', async () => {
      const ok = await curl(['-u', `:${tok.secret}`, `${urls.express}/acme/repos`]);
      assert.equal(ok.status, 200, ok.body);
      assert.deepEqual(ok.json(), { user: 'alice', org: 'acme' });
      assert.equal((await curl([`${urls.express}/acme/repos`])).status, 401);
      assert.equal((await curl(['-u', `:${tok.secret}`, `${urls.express}/beta/repos`])).status, 403);
    });

    test('node:http middleware: 200 and 401', async () => {
      assert.equal((await curl(['-u', `${tok.secret}:`, `${urls.node}/acme`])).json().user, 'alice');
      assert.equal((await curl(['-u', ':patd_x', `${urls.node}/acme`])).status, 401);
    });

    test('a global token: the SDK checks the owner\'s current orgs exactly', async () => {
      const g = await createToken(p, alice.auth, { name: 'global', scopes: ['code:read'], orgs: '*' });
      assert.equal((await curl(['-u', `:${g.secret}`, `${urls.express}/beta/repos`])).status, 200);
      assert.equal((await curl(['-u', `:${g.secret}`, `${urls.express}/gamma/repos`])).status, 403);
    });

    test('revocation: seen by the SDK once its cacheTtlMs has passed (the documented bound)', async () => {
      const t = await createToken(p, alice.auth, { name: 'revoke me', scopes: ['code:read'], orgs: ['acme'] });
      assert.equal((await curl(['-u', `:${t.secret}`, `${urls.express}/acme/repos`])).status, 200);
      assert.equal((await p.req('DELETE', `/api/v1/tokens/${t.id}`, { auth: alice.auth })).statusCode, 204);
      sdkNow += 1_999; // still inside cacheTtlMs: the cached answer stands
      assert.equal((await curl(['-u', `:${t.secret}`, `${urls.express}/acme/repos`])).status, 200);
      sdkNow += 2; // past cacheTtlMs: patd is asked again and says inactive
      const r = await curl(['-u', `:${t.secret}`, `${urls.express}/acme/repos`]);
      assert.equal(r.status, 401);
      assert.equal(r.json().code, 'token_invalid');
      // verifier.clear() (e.g. on a webhook) makes it immediate.
      const t2 = await createToken(p, alice.auth, { name: 'revoke me too', scopes: ['code:read'], orgs: ['acme'] });
      assert.equal((await verifier.verify(t2.secret)).active, true);
      await p.req('DELETE', `/api/v1/tokens/${t2.id}`, { auth: alice.auth });
      verifier.clear();
      assert.equal((await verifier.verify(t2.secret)).active, false);
    });

    test('wrong client credentials: the middleware answers 503 and verify() rejects with invalid_client', async () => {
      const wrong = createVerifier({ url: patdUrl, clientId: client.id, clientSecret: 'wrong' });
      await assert.rejects(wrong.verify(tok.secret), (e: Error & { code?: string }) => e.code === 'invalid_client');
      const app = Fastify();
      app.get('/x', { preHandler: fastifyRequireToken({ verifier: wrong }) }, async () => 'never');
      const r = await app.inject({ url: '/x', headers: { authorization: `Bearer ${tok.secret}` } });
      assert.equal(r.statusCode, 503);
      assert.equal(r.json().code, 'verifier_unavailable');
      await app.close();
      wrong.close();
    });
  });
}
