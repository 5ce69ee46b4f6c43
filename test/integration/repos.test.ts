import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DAY_MS } from '../../src/core/clock.js';
import { dialects } from '../helpers/db.js';
import { addUser, ADMIN_PASSWORD, type Auth, createToken, startTestPatd, type TestPatd } from '../helpers/harness.js';

for (const dialect of await dialects()) {
  describe(`git repositories API (${dialect})`, () => {
    let p: TestPatd;
    let admin: Auth;
    let bob: Auth;
    before(async () => {
      p = await startTestPatd(dialect);
      admin = await p.signIn('admin', ADMIN_PASSWORD);
      for (const name of ['acme', 'other']) await p.req('POST', '/api/v1/orgs', { auth: admin, body: { name } });
      bob = (await addUser(p, admin, 'bob')).auth;
      await p.req('PUT', '/api/v1/orgs/acme/members/bob', { auth: admin, body: { role: 'member' } });
    });
    after(() => p.stop());
    const disk = (org: string, name: string) => join(p.db.dataDir, 'git', org, `${name}.git`);

    test('create with a session, list, delete', async () => {
      const res = await p.req('POST', '/api/v1/orgs/acme/repos', { auth: bob, body: { name: 'web.git' } });
      assert.equal(res.statusCode, 201, res.body);
      assert.equal(res.json().name, 'web');
      assert.equal(res.json().createdBy, 'bob');
      assert.equal(readFileSync(join(disk('acme', 'web'), 'HEAD'), 'utf8').trim(), 'ref: refs/heads/main');
      assert.equal((await p.req('POST', '/api/v1/orgs/acme/repos', { auth: bob, body: { name: 'web' } })).statusCode, 409);
      const list = await p.req('GET', '/api/v1/orgs/acme/repos', { auth: bob });
      assert.deepEqual(list.json().items.map((r: { name: string }) => r.name), ['web']);
      assert.equal((await p.req('DELETE', '/api/v1/orgs/acme/repos/web.git', { auth: bob })).statusCode, 204);
      assert.ok(!existsSync(disk('acme', 'web')));
      assert.equal((await p.req('DELETE', '/api/v1/orgs/acme/repos/web', { auth: bob })).statusCode, 404);
    });

    test('names: slugs only, no path tricks', async () => {
      for (const name of ['', '..', '../x', 'a/b', '.hidden', 'UPPER', 'x.git.git', 'a..b', 'x.lock', 'a'.repeat(101), 'sp ace']) {
        const res = await p.req('POST', '/api/v1/orgs/acme/repos', { auth: admin, body: { name } });
        assert.equal(res.statusCode, 400, name);
        assert.equal(res.json().field, 'name');
      }
      assert.equal((await p.req('DELETE', '/api/v1/orgs/acme/repos/..', { auth: admin })).statusCode, 404);
    });

    test('PATs: code:read lists, code:manage creates and deletes', async () => {
      const read = (await createToken(p, admin, { name: 'r', scopes: ['code:read'] })).secret;
      const write = (await createToken(p, admin, { name: 'w', scopes: ['code:write'] })).secret;
      const manage = (await createToken(p, admin, { name: 'm', scopes: ['code:manage'], orgs: ['acme'] })).secret;
      assert.equal((await p.req('GET', '/api/v1/orgs/acme/repos', { auth: { token: read } })).statusCode, 200);
      const denied = await p.req('POST', '/api/v1/orgs/acme/repos', { auth: { token: write }, body: { name: 'x' } });
      assert.equal(denied.statusCode, 403);
      assert.equal(denied.json().code, 'insufficient_scope');
      assert.equal((await p.req('POST', '/api/v1/orgs/acme/repos', { auth: { token: manage }, body: { name: 'x' } })).statusCode, 201);
      assert.equal((await p.req('DELETE', '/api/v1/orgs/acme/repos/x', { auth: { basic: manage } })).statusCode, 204);
      // Not for this org: 403; no credentials: 401 with the challenge.
      const wrongOrg = await p.req('GET', '/api/v1/orgs/other/repos', { auth: { token: manage } });
      assert.equal(wrongOrg.statusCode, 403);
      assert.equal(wrongOrg.json().code, 'org_forbidden');
      const none = await p.req('GET', '/api/v1/orgs/acme/repos');
      assert.equal(none.statusCode, 401);
      assert.match(none.headers['www-authenticate'] as string, /Basic realm="patd"/);
    });

    test('tenant boundary: non-members and unknown orgs get 404; expired and revoked tokens 401; IP policy applies', async () => {
      assert.equal((await p.req('GET', '/api/v1/orgs/other/repos', { auth: bob })).statusCode, 404);
      assert.equal((await p.req('POST', '/api/v1/orgs/nope/repos', { auth: bob, body: { name: 'x' } })).statusCode, 404);
      const t = await createToken(p, admin, { name: 'exp', scopes: ['code:read'], expiresInDays: 1 });
      p.clock.advance(2 * DAY_MS);
      const exp = await p.req('GET', '/api/v1/orgs/acme/repos', { auth: { token: t.secret } });
      p.clock.advance(-2 * DAY_MS);
      assert.equal(exp.statusCode, 401);
      assert.equal(exp.json().code, 'token_expired');
      await p.req('DELETE', `/api/v1/tokens/${t.id}`, { auth: admin });
      assert.equal((await p.req('GET', '/api/v1/orgs/acme/repos', { auth: { token: t.secret } })).json().code, 'token_revoked');
      const ip = await createToken(p, admin, { name: 'ip', scopes: ['code:read'] });
      await p.req('PUT', '/api/v1/orgs/acme/policy', { auth: admin, body: { ipAllowlist: ['10.0.0.0/8'] } });
      const res = await p.req('GET', '/api/v1/orgs/acme/repos', { auth: { token: ip.secret } });
      await p.req('PUT', '/api/v1/orgs/acme/policy', { auth: admin, body: { ipAllowlist: [] } });
      assert.equal(res.statusCode, 403);
      assert.equal(res.json().code, 'ip_forbidden');
    });

    test('audit events for create and delete', async () => {
      await p.req('POST', '/api/v1/orgs/acme/repos', { auth: admin, body: { name: 'audited' } });
      await p.req('DELETE', '/api/v1/orgs/acme/repos/audited', { auth: admin });
      const db = (p.store as unknown as { db: { kysely: import('kysely').Kysely<any> } }).db.kysely;
      const rows = await db.selectFrom('audit_events').select(['action', 'details']).where('action', 'like', 'repo.%').orderBy('at').execute();
      const mine = rows.filter((r) => JSON.parse(r.details).name === 'audited').map((r) => r.action);
      assert.deepEqual(mine.sort(), ['repo.created', 'repo.deleted']);
    });
  });
}
