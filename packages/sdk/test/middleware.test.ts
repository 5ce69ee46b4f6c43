import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createVerifier, requireToken, type ActiveResult } from '../src/index.js';
import { activeAnswer, CLIENT_ID, CLIENT_SECRET, type FakePatd, startFakePatd } from './helpers/fake-patd.js';

type Req = IncomingMessage & { patd?: ActiveResult; params?: Record<string, string> };
let patd: FakePatd;
let app: Server;
let base = '';
const errors: unknown[] = [];

before(async () => {
  patd = await startFakePatd();
  patd.tokens.set('patd_good', activeAnswer(Date.now()));
  const verifier = createVerifier({ url: patd.url, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET });
  const down = createVerifier({ url: 'http://127.0.0.1:1', clientId: CLIENT_ID, clientSecret: CLIENT_SECRET });
  const routes: Record<string, ReturnType<typeof requireToken<Req>>> = {
    any: requireToken<Req>({ verifier }),
    read: requireToken<Req>({ verifier, scope: 'code:read' }),
    manage: requireToken<Req>({ verifier, scope: 'code:manage' }),
    org: requireToken<Req>({ verifier, org: (req) => req.params?.org }),
    down: requireToken<Req>({ verifier: down, onError: (e) => errors.push(e) }),
  };
  app = createServer((req: Req, res) => {
    const [, name = '', org = ''] = (req.url ?? '').split('/');
    req.params = { org };
    const mw = routes[name];
    if (!mw) return res.writeHead(404).end();
    mw(req, res, (err) => {
      if (err) return res.writeHead(500).end(String(err));
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ user: req.patd?.username, scopes: req.patd?.scopes }));
    });
  });
  app.listen(0, '127.0.0.1');
  await once(app, 'listening');
  base = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
});
after(async () => {
  app.closeAllConnections();
  app.close();
  await patd.close();
});

const get = (path: string, authorization?: string) => fetch(`${base}${path}`, { headers: authorization ? { authorization } : {} });
const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;

async function expectProblem(res: Response, status: number, code: string, challenge: string | null) {
  assert.equal(res.status, status);
  assert.equal(res.headers.get('www-authenticate'), challenge);
  assert.equal(res.headers.get('content-type'), 'application/problem+json');
  const body = (await res.json()) as Record<string, unknown>;
  assert.equal(body.code, code);
  assert.equal(body.status, status);
  assert.equal(typeof body.type, 'string');
  assert.equal(typeof body.title, 'string');
  assert.equal(typeof body.detail, 'string');
  return body;
}

describe('requireToken (node:http)', () => {
  it('401 unauthenticated without credentials, with both challenges', async () => {
    const challenge = 'Basic realm="patd", charset="UTF-8", Bearer realm="patd"';
    await expectProblem(await get('/any'), 401, 'unauthenticated', challenge);
    await expectProblem(await get('/any', 'Negotiate abc'), 401, 'unauthenticated', challenge);
  });

  it('401 token_invalid for unknown or malformed tokens', async () => {
    const challenge = 'Bearer realm="patd", error="invalid_token"';
    await expectProblem(await get('/any', 'Bearer patd_unknown'), 401, 'token_invalid', challenge);
    await expectProblem(await get('/any', 'Basic ???'), 401, 'token_invalid', challenge);
  });

  it('accepts Basic (either field) and Bearer, setting req.patd', async () => {
    for (const auth of [basic('', 'patd_good'), basic('git', 'patd_good'), basic('patd_good', ''), 'Bearer patd_good']) {
      const res = await get('/read', auth);
      assert.equal(res.status, 200, auth);
      assert.deepEqual(await res.json(), { user: 'alice', scopes: ['code:write', 'packaging:read'] });
    }
  });

  it('403 insufficient_scope names the scope', async () => {
    const res = await get('/manage', 'Bearer patd_good');
    const challenge = 'Bearer realm="patd", error="insufficient_scope", scope="code:manage"';
    const body = await expectProblem(res, 403, 'insufficient_scope', challenge);
    assert.equal(body.scope, 'code:manage');
  });

  it('403 org_forbidden for an org outside the token, org read from the request', async () => {
    assert.equal((await get('/org/acme', 'Bearer patd_good')).status, 200);
    await expectProblem(await get('/org/other', 'Bearer patd_good'), 403, 'org_forbidden', null);
  });

  it('503 verifier_unavailable when patd cannot be asked (not next(err))', async () => {
    await expectProblem(await get('/down', 'Bearer patd_good'), 503, 'verifier_unavailable', null);
    assert.equal(errors.length, 1);
  });
});
