import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createTestDb } from '../helpers/db.js';
import { ADMIN_PASSWORD, type Auth, startTestPatd, type TestPatd } from '../helpers/harness.js';

describe('OpenAPI and the scope catalog', () => {
  let p: TestPatd;
  let admin: Auth;
  before(async () => {
    const tmp = await createTestDb('sqlite');
    const file = join(tmp.dataDir, 'scopes.json');
    writeFileSync(file, JSON.stringify([{ id: 'feeds:publish', description: 'publish to feeds', implies: ['feeds:read'] }, { id: 'feeds:read', description: 'read feeds' }]));
    p = await startTestPatd('sqlite', { env: { PATD_SCOPES_FILE: file } });
    admin = await p.signIn('admin', ADMIN_PASSWORD);
  });
  after(() => p.stop());

  test('the OpenAPI document comes from the schemas that validate requests', async () => {
    const doc = (await p.req('GET', '/api/v1/openapi.json')).json();
    assert.equal(doc.openapi, '3.1.0');
    const create = doc.paths['/api/v1/tokens'].post;
    const body = create.requestBody.content['application/json'].schema;
    assert.deepEqual(Object.keys(body.properties).sort(), ['expiresAt', 'expiresInDays', 'name', 'orgs', 'scopes']);
    assert.equal(body.additionalProperties, false);
    assert.ok(create.responses['201']);
    // The same schema refuses what the document says is not allowed.
    const res = await p.req('POST', '/api/v1/tokens', { auth: admin, body: { name: 'x', scopes: ['code:read'], extra: 1 } });
    assert.equal(res.statusCode, 400);
    for (const path of ['/api/v1/session', '/api/v1/me', '/api/v1/tokens/{id}', '/api/v1/orgs/{org}/members/{username}', '/api/v1/orgs/{org}/policy']) {
      assert.ok(doc.paths[path], path);
    }
  });

  test('operator scopes from PATD_SCOPES_FILE are listed, accepted and implied', async () => {
    const list = (await p.req('GET', '/api/v1/scopes')).json();
    assert.ok(list.items.some((s: { id: string }) => s.id === 'feeds:publish'));
    assert.equal(list.aliases['vso.code_write'], 'code:write');
    const res = await p.req('POST', '/api/v1/tokens', { auth: admin, body: { name: 'feeds', scopes: ['feeds:publish'] } });
    assert.equal(res.statusCode, 201, res.body);
    const ok = await p.core.verifier.verify(res.json().secret, { scope: 'feeds:read' });
    assert.equal(ok.user.username, 'admin');
  });

  test('a bad scopes file stops start-up naming the variable', async () => {
    const { loadConfig } = await import('../../src/config.js');
    const tmp = await createTestDb('sqlite');
    const file = join(tmp.dataDir, 'bad.json');
    writeFileSync(file, '{"not": "a list"}');
    assert.throws(() => loadConfig({ PATD_SCOPES_FILE: file, PATD_DATA_DIR: tmp.dataDir }), /PATD_SCOPES_FILE/);
    await tmp.drop();
  });
});
