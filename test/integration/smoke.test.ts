import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { dialects } from '../helpers/db.js';
import { ADMIN_PASSWORD, type Auth, createToken, startTestPatd, type TestPatd } from '../helpers/harness.js';

for (const dialect of await dialects()) {
  describe(`smoke (${dialect})`, () => {
    let p: TestPatd;
    let admin: Auth;
    before(async () => {
      p = await startTestPatd(dialect);
      admin = await p.signIn('admin', ADMIN_PASSWORD);
    });
    after(() => p.stop());

    test('a token created with a session authenticates GET /me', async () => {
      const t = await createToken(p, admin, { name: 'smoke', scopes: ['profile:read'] });
      const res = await p.req('GET', '/api/v1/me', { auth: { basic: t.secret } });
      assert.equal(res.statusCode, 200);
      assert.equal(res.json().user.username, 'admin');
      assert.equal(res.json().token.id, t.id);
    });
  });
}
