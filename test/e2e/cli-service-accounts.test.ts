import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createTestDb, dialects, type TestDb } from '../helpers/db.js';

const BIN = fileURLToPath(new URL('../../bin/patd', import.meta.url));

/** `patd service-account add|list|remove`, and its tokens through `patd token … --user`. */
for (const dialect of await dialects()) {
  describe(`patd service-account (${dialect})`, () => {
    let db: TestDb;
    let env: Record<string, string>;
    const run = (...args: string[]) => {
      const r = spawnSync(BIN, args, { env: { ...process.env, ...env }, encoding: 'utf8' });
      return { code: r.status, out: r.stdout, err: r.stderr };
    };
    before(async () => {
      db = await createTestDb(dialect);
      env = { PATD_DATA_DIR: db.dataDir, PATD_DATABASE_URL: db.url, PATD_LOG_LEVEL: 'warn' };
      assert.equal(run('migrate').code, 0);
      assert.equal(run('user', 'add', 'olga', '--email', 'olga@example.test').code, 0);
      assert.equal(run('org', 'add', 'acme', '--owner', 'olga').code, 0);
    });
    after(() => db.drop());

    test('add, a token limited to the org, list, remove revokes the token', () => {
      const add = run('service-account', 'add', 'acme', 'ci-bot', '--display-name', 'CI bot', '--json');
      assert.equal(add.code, 0, add.err);
      assert.equal(JSON.parse(add.out).org, 'acme');
      const tok = run('token', 'create', '--user', 'ci-bot', '--name', 'deploy', '--scopes', 'code:read', '--json');
      assert.equal(tok.code, 0, tok.err);
      const issued = JSON.parse(tok.out);
      assert.deepEqual(issued.token.orgs, ['acme'], 'limited to its org even with the default --orgs *');
      const other = run('token', 'create', '--user', 'ci-bot', '--name', 'x', '--scopes', 'code:read', '--orgs', 'beta');
      assert.equal(other.code, 1);
      assert.match(other.err, /limited to its org "acme"/);
      const list = run('service-account', 'list', 'acme');
      assert.equal(list.code, 0);
      assert.match(list.out, /ci-bot\s+CI bot/);
      const rm = run('service-account', 'remove', 'acme', 'ci-bot');
      assert.equal(rm.code, 0, rm.err);
      assert.match(rm.out, /revoked 1 token/);
      const after = JSON.parse(run('token', 'list', '--user', 'ci-bot', '--status', 'all', '--json').out);
      assert.equal(after[0].status, 'revoked');
      assert.equal(run('service-account', 'list', 'acme').out.trim(), '(none)');
    });

    test('help, usage errors and unknown orgs', () => {
      for (const c of ['add', 'list', 'remove']) {
        const h = run('service-account', c, '--help');
        assert.equal(h.code, 0);
        assert.match(h.out, /Usage: patd service-account /);
      }
      const u = run('service-account', 'add', 'acme');
      assert.equal(u.code, 2);
      assert.match(u.err, /usage: patd service-account add/);
      const n = run('service-account', 'list', 'nope');
      assert.equal(n.code, 1);
      assert.match(n.err, /no org "nope"/);
    });
  });
}
