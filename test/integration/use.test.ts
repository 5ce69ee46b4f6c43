import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { dialects } from '../helpers/db.js';
import { ADMIN_PASSWORD, type Auth, addUser, createToken, startTestPatd, type TestPatd } from '../helpers/harness.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const NONE = 'Basic realm="patd", charset="UTF-8", Bearer realm="patd"';

for (const dialect of await dialects()) {
  describe(`using a token (${dialect})`, () => {
    let p: TestPatd;
    let admin: Auth;
    let carol: { id: string; auth: Auth };
    let secret: string;
    before(async () => {
      p = await startTestPatd(dialect);
      admin = await p.signIn('admin', ADMIN_PASSWORD);
      carol = await addUser(p, admin, 'carol');
      secret = (await createToken(p, carol.auth, { name: 'cli', scopes: ['profile:read'] })).secret;
    });
    after(() => p.stop());

    const me = (authorization?: string) => p.app.inject({ method: 'GET', url: '/api/v1/me', headers: authorization ? { authorization } : {} });

    test('Basic with any username, an empty username, the token as username; Bearer', async () => {
      for (const h of [`Basic ${b64(`carol:${secret}`)}`, `Basic ${b64(`anything:${secret}`)}`, `Basic ${b64(`:${secret}`)}`,
        `Basic ${b64(`${secret}:`)}`, `Bearer ${secret}`]) {
        const res = await me(h);
        assert.equal(res.statusCode, 200, h);
        assert.equal(res.json().user.username, 'carol');
      }
    });

    test('no credentials: 401 with the Basic and Bearer challenges', async () => {
      const res = await me();
      assert.equal(res.statusCode, 401);
      assert.equal(res.headers['www-authenticate'], NONE);
      assert.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8');
      assert.equal(res.json().code, 'unauthenticated');
    });

    test('malformed, bad checksum and unknown tokens: 401 token_invalid with the Bearer error', async () => {
      const unknown = `patd_${'A'.repeat(43)}`;
      const { generateToken } = await import('../../src/core/tokens/format.js');
      for (const t of ['nonsense', `${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`, unknown, generateToken('patd_')]) {
        const res = await me(`Bearer ${t}`);
        assert.equal(res.statusCode, 401, t);
        assert.equal(res.json().code, 'token_invalid');
        assert.match(String(res.headers['www-authenticate']), /^Bearer realm="patd", error="invalid_token"/);
      }
      assert.equal((await me('Digest abc')).json().code, 'token_invalid');
    });

    test('a valid token without the scope: 403 insufficient_scope naming it', async () => {
      const t = await createToken(p, carol.auth, { name: 'code only', scopes: ['code:read'] });
      const res = await me(`Bearer ${t.secret}`);
      assert.equal(res.statusCode, 403);
      assert.equal(res.json().code, 'insufficient_scope');
      assert.equal(res.json().scope, 'profile:read');
      assert.equal(res.headers['www-authenticate'], 'Bearer realm="patd", error="insufficient_scope", scope="profile:read"');
    });

    test('full access * passes every scope check', async () => {
      const t = await createToken(p, carol.auth, { name: 'all', scopes: ['*'] });
      assert.equal((await me(`Bearer ${t.secret}`)).statusCode, 200);
      assert.equal((await p.req('GET', '/api/v1/tokens', { auth: { token: t.secret } })).statusCode, 200);
    });

    test('disabling the owner stops every token at once; enabling brings them back', async () => {
      const dave = await addUser(p, admin, 'dave');
      const t = await createToken(p, dave.auth, { name: 'd', scopes: ['profile:read'] });
      assert.equal((await me(`Bearer ${t.secret}`)).statusCode, 200);
      assert.equal((await p.req('PATCH', `/api/v1/users/${dave.id}`, { auth: admin, body: { disabled: true } })).statusCode, 200);
      const res = await me(`Bearer ${t.secret}`);
      assert.equal(res.statusCode, 401);
      assert.equal(res.json().code, 'user_disabled');
      assert.equal((await p.req('GET', '/api/v1/session', { auth: dave.auth })).statusCode, 401, 'sessions end too');
      await p.req('PATCH', `/api/v1/users/${dave.id}`, { auth: admin, body: { disabled: false } });
      assert.equal((await me(`Bearer ${t.secret}`)).statusCode, 200);
    });
  });
}
