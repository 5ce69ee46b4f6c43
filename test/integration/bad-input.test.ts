import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { dialects } from '../helpers/db.js';
import { ADMIN_PASSWORD, type Auth, startTestPatd, type TestPatd } from '../helpers/harness.js';

for (const dialect of await dialects()) {
  describe(`bad input gets a 4xx problem naming what is wrong (${dialect})`, () => {
    let p: TestPatd;
    let admin: Auth;
    before(async () => {
      p = await startTestPatd(dialect);
      admin = await p.signIn('admin', ADMIN_PASSWORD);
      await p.req('POST', '/api/v1/orgs', { auth: admin, body: { name: 'acme' } });
    });
    after(() => p.stop());

    const create = (body: unknown) => p.req('POST', '/api/v1/tokens', { auth: admin, body });
    const cases: [string, unknown, number, string, string?][] = [
      ['unknown scope', { name: 'x', scopes: ['code:fly'] }, 400, 'unknown_scope', 'scopes'],
      ['no scopes', { name: 'x', scopes: [] }, 400, 'validation_failed', 'scopes'],
      ['org the user is not in', { name: 'x', scopes: ['code:read'], orgs: ['elsewhere'] }, 400, 'validation_failed', 'orgs'],
      ['empty org list', { name: 'x', scopes: ['code:read'], orgs: [] }, 400, 'validation_failed', 'orgs'],
      ['expiry in the past', { name: 'x', scopes: ['code:read'], expiresAt: '2020-01-01T00:00:00Z' }, 400, 'invalid_expiry', 'expiresAt'],
      ['expiry beyond the limit', { name: 'x', scopes: ['code:read'], expiresInDays: 400 }, 400, 'invalid_expiry', 'expiresInDays'],
      ['expiry not a date', { name: 'x', scopes: ['code:read'], expiresAt: 'next week' }, 400, 'invalid_expiry', 'expiresAt'],
      ['empty name', { name: '   ', scopes: ['code:read'] }, 400, 'validation_failed', 'name'],
      ['name too long', { name: 'n'.repeat(121), scopes: ['code:read'] }, 400, 'validation_failed', 'name'],
      ['a name with a bidirectional override', { name: 'cod\u202Eexe.txt', scopes: ['code:read'] }, 400, 'validation_failed', 'name'],
      ['a name with a control character', { name: 'ring\u0007', scopes: ['code:read'] }, 400, 'validation_failed', 'name'],
      ['a name with a zero-width space', { name: 'ad\u200Bmin', scopes: ['code:read'] }, 400, 'validation_failed', 'name'],
      ['name of the wrong type', { name: 42, scopes: ['code:read'] }, 400, 'validation_failed', 'body.name'],
      ['scopes of the wrong type', { name: 'x', scopes: 'code:read' }, 400, 'validation_failed', 'body.scopes'],
      ['missing name', { scopes: ['code:read'] }, 400, 'validation_failed', 'body.name'],
      ['an unknown field', { name: 'x', scopes: ['code:read'], colour: 'red' }, 400, 'validation_failed', 'body.colour'],
      ['a JSON array body', [1, 2], 400, 'validation_failed'],
    ];
    for (const [what, body, status, code, field] of cases) {
      test(what, async () => {
        const res = await create(body);
        assert.equal(res.statusCode, status, res.body);
        assert.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8');
        const pb = res.json();
        assert.equal(pb.code, code);
        assert.equal(pb.status, status);
        if (field) assert.equal(pb.field, field);
        assert.ok(pb.detail.length > 0);
      });
    }

    test('malformed JSON', async () => {
      const res = await p.req('POST', '/api/v1/tokens', { auth: admin, body: '{"name": "x", ', headers: { 'content-type': 'application/json' } });
      assert.equal(res.statusCode, 400);
      assert.equal(res.json().code, 'invalid_json');
    });

    test('a body over 64 KiB is 413', async () => {
      const res = await create({ name: 'x', scopes: ['code:read'], pad: 'x'.repeat(70 * 1024) });
      assert.equal(res.statusCode, 413);
      assert.equal(res.json().code, 'body_too_large');
    });

    test('a body that is not JSON is 415: other types, and the forms an HTML page can post', async () => {
      for (const type of ['text/csv', 'application/x-www-form-urlencoded', 'text/plain', 'multipart/form-data; boundary=x', 'application/jsonx']) {
        const res = await p.req('POST', '/api/v1/tokens', { auth: admin, body: 'name=x', headers: { 'content-type': type } });
        assert.equal(res.statusCode, 415, type);
        assert.equal(res.json().code, 'unsupported_media_type');
      }
    });

    test('bad query parameters and cursors', async () => {
      for (const url of ['/api/v1/tokens?status=lost', '/api/v1/tokens?limit=abc', '/api/v1/tokens?cursor=%%%', '/api/v1/tokens?cursor=Zm9v']) {
        const res = await p.req('GET', url, { auth: admin });
        assert.equal(res.statusCode, 400, url);
      }
    });

    test('unknown routes are a 404 problem; nothing answers 500', async () => {
      const res = await p.req('GET', '/api/v1/nothing-here', { auth: admin });
      assert.equal(res.statusCode, 404);
      assert.equal(res.json().code, 'not_found');
      const weird = await p.req('GET', `/api/v1/tokens/${encodeURIComponent('../../etc/passwd')}`, { auth: admin });
      assert.equal(weird.statusCode, 404);
      const longId = await p.req('GET', `/api/v1/tokens/${'x'.repeat(100)}`, { auth: admin });
      assert.equal(longId.statusCode, 400);
    });
  });
}
