import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ADMIN_PASSWORD, startTestPatd, type TestPatd } from '../helpers/harness.js';

const ROOT = resolve(import.meta.dirname, '../..');

describe('patd repo add|list|remove on the local database', () => {
  let p: TestPatd;
  let env: NodeJS.ProcessEnv;
  before(async () => {
    p = await startTestPatd('sqlite');
    const admin = await p.signIn('admin', ADMIN_PASSWORD);
    await p.req('POST', '/api/v1/orgs', { auth: admin, body: { name: 'acme' } });
    await p.close();
    env = { PATH: process.env.PATH, HOME: p.db.dataDir, PATD_DATA_DIR: p.db.dataDir, PATD_DATABASE_URL: p.db.url, PATD_LOG_LEVEL: 'warn', PATD_SECRET: 'test-secret-test-secret-test-secret-0123' };
  });
  after(() => p.db.drop());
  const patd = (...args: string[]) => spawnSync(join(ROOT, 'bin', 'patd'), args, { env, encoding: 'utf8' });

  test('add, list (table and --json), remove, and errors on one line', () => {
    const add = patd('repo', 'add', 'acme', 'tools.git', '--json');
    assert.equal(add.status, 0, add.stderr);
    assert.equal(JSON.parse(add.stdout).name, 'tools');
    assert.ok(existsSync(join(p.db.dataDir, 'git', 'acme', 'tools.git', 'HEAD')));
    const list = patd('repo', 'list', 'acme');
    assert.match(list.stdout, /^NAME\s+URL/);
    assert.match(list.stdout, /tools\s+http:\/\/.*\/acme\/_git\/tools/);
    assert.deepEqual(JSON.parse(patd('repo', 'list', 'acme', '--json').stdout).items.map((r: { name: string }) => r.name), ['tools']);
    const dup = patd('repo', 'add', 'acme', 'tools');
    assert.equal(dup.status, 1);
    assert.equal(dup.stderr, 'patd repo add: repository "tools" already exists in org "acme"\n');
    const bad = patd('repo', 'add', 'acme', '../evil');
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /^patd repo add: name must be/);
    assert.equal(patd('repo', 'add', 'nope', 'x').status, 1);
    assert.equal(patd('repo', 'add', 'acme').status, 2);
    assert.equal(patd('repo', 'add', 'acme/').status, 2);
    const slash = patd('repo', 'add', 'acme/site');
    assert.equal(slash.status, 0, slash.stderr);
    assert.match(slash.stdout, /^created acme\/site: http:\/\/.*\/acme\/_git\/site\n$/);
    assert.equal(patd('repo', 'remove', 'acme/site').status, 0);
    assert.ok(!existsSync(join(p.db.dataDir, 'git', 'acme', 'site.git')));
    assert.equal(patd('repo', 'remove', 'acme', 'tools').status, 0);
    assert.ok(!existsSync(join(p.db.dataDir, 'git', 'acme', 'tools.git')));
  });
});
