import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { type ActiveResult, createVerifier, fastifyRequireToken, type PatdRequire, patdFastify } from '../src/index.js';
import { activeAnswer, CLIENT_ID, CLIENT_SECRET, type FakePatd, startFakePatd } from './helpers/fake-patd.js';

declare module 'fastify' {
  interface FastifyInstance {
    patdRequire: PatdRequire;
  }
  interface FastifyRequest {
    patd?: ActiveResult | null;
  }
}

let patd: FakePatd;
let app: FastifyInstance;

before(async () => {
  patd = await startFakePatd();
  patd.tokens.set('patd_good', activeAnswer(Date.now(), { orgs: '*' }));
  const verifier = createVerifier({ url: patd.url, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET });
  app = Fastify();
  await app.register(patdFastify, { verifier });
  app.get('/work', { preHandler: app.patdRequire({ scope: 'work:read' }) }, async () => 'never');
  app.get('/code', { preHandler: app.patdRequire({ scope: 'code:read' }) }, async (req) => ({ user: req.patd?.username }));
  app.get<{ Params: { org: string } }>(
    '/:org/pkgs',
    { preHandler: fastifyRequireToken({ verifier, scope: 'packaging:read', org: (req) => req.params.org }) },
    async (req) => ({ user: req.patd?.username, orgs: req.patd?.orgs }),
  );
  app.get('/open', async (req) => ({ patd: req.patd }));
  await app.ready();
});
after(async () => {
  await app.close();
  await patd.close();
});

describe('patdFastify', () => {
  it('decorates the registering instance (skip-override)', () => {
    assert.equal(app.hasDecorator('patdRequire'), true);
    assert.equal(app.hasRequestDecorator('patd'), true);
  });

  it('401 without credentials', async () => {
    const res = await app.inject({ url: '/code' });
    assert.equal(res.statusCode, 401);
    assert.equal(res.headers['www-authenticate'], 'Basic realm="patd", charset="UTF-8", Bearer realm="patd"');
    assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
    assert.equal(res.json().code, 'unauthenticated');
  });

  it('401 for an unknown token', async () => {
    const res = await app.inject({ url: '/code', headers: { authorization: 'Bearer patd_nope' } });
    assert.equal(res.statusCode, 401);
    assert.equal(res.headers['www-authenticate'], 'Bearer realm="patd", error="invalid_token"');
    assert.equal(res.json().code, 'token_invalid');
  });

  it('403 insufficient_scope', async () => {
    const res = await app.inject({ url: '/work', headers: { authorization: 'Bearer patd_good' } });
    assert.equal(res.statusCode, 403);
    assert.equal(res.headers['www-authenticate'], 'Bearer realm="patd", error="insufficient_scope", scope="work:read"');
    assert.deepEqual(
      { ...(res.json() as object), detail: undefined, title: undefined },
      {
        type: 'urn:patd:problem:insufficient_scope',
        status: 403,
        code: 'insufficient_scope',
        scope: 'work:read',
        detail: undefined,
        title: undefined,
      },
    );
  });

  it('lets a valid token through and sets request.patd', async () => {
    const auth = `Basic ${Buffer.from(':patd_good').toString('base64')}`;
    const res = await app.inject({ url: '/code', headers: { authorization: auth } });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { user: 'alice' });
    assert.deepEqual((await app.inject({ url: '/open' })).json(), { patd: null });
  });

  it('fastifyRequireToken with an org from route params; global tokens pass any org', async () => {
    const res = await app.inject({ url: '/anyorg/pkgs', headers: { authorization: 'Bearer patd_good' } });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { user: 'alice', orgs: '*' });
  });

  it('403 org_forbidden for a token limited to other orgs', async () => {
    patd.tokens.set('patd_acme', activeAnswer(Date.now(), { orgs: ['acme'] }));
    const ok = await app.inject({ url: '/acme/pkgs', headers: { authorization: 'Bearer patd_acme' } });
    assert.equal(ok.statusCode, 200);
    const res = await app.inject({ url: '/other/pkgs', headers: { authorization: 'Bearer patd_acme' } });
    assert.equal(res.statusCode, 403);
    assert.equal(res.json().code, 'org_forbidden');
  });
});
