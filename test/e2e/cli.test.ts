import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { type AddressInfo, createServer } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createTestDb, dialects, type TestDb } from '../helpers/db.js';

const BIN = fileURLToPath(new URL('../../bin/patd', import.meta.url));

for (const dialect of await dialects()) {
  describe(`bin/patd (${dialect})`, () => {
    let db: TestDb;
    let env: Record<string, string>;
    const run = (...args: string[]) => {
      const r = spawnSync(BIN, args, { env: { ...process.env, ...env }, encoding: 'utf8' });
      return { code: r.status, out: r.stdout, err: r.stderr };
    };
    before(async () => {
      db = await createTestDb(dialect);
      env = { PATD_DATA_DIR: db.dataDir, PATD_DATABASE_URL: db.url, PATD_LOG_LEVEL: 'warn' };
    });
    after(() => db.drop());

    test('--help lists the commands and every command has --help', () => {
      const h = run('--help');
      assert.equal(h.code, 0);
      for (const c of ['serve', 'migrate', 'user add', 'user list', 'user disable', 'org add', 'token create', 'token list', 'token revoke']) {
        assert.ok(h.out.includes(c), c);
        const ch = run(...c.split(' '), '--help');
        assert.equal(ch.code, 0, c);
        assert.match(ch.out, /Usage: patd /, c);
      }
    });

    test('migrate, user add/list/disable, org add, token create/list/revoke', () => {
      const m = run('migrate', '--json');
      assert.equal(m.code, 0, m.err);
      assert.ok(Array.isArray(JSON.parse(m.out).applied));
      const u = run('user', 'add', 'alice', '--email', 'alice@example.test', '--json');
      assert.equal(u.code, 0, u.err);
      assert.equal(JSON.parse(u.out).username, 'alice');
      assert.ok(JSON.parse(run('user', 'list', '--json').out).some((x: { username: string }) => x.username === 'alice'));
      assert.match(run('user', 'list').out, /USERNAME\s+EMAIL/);
      assert.equal(run('org', 'add', 'acme', '--owner', 'alice').code, 0);
      const t = run('token', 'create', '--user', 'alice', '--name', 'ci', '--scopes', 'vso.code,profile:read', '--orgs', 'acme', '--expires-in', '7');
      assert.equal(t.code, 0, t.err);
      const secret = t.out.trim();
      assert.match(secret, /^patd_[0-9A-Za-z]{49}$/);
      assert.match(t.err, /shown only once/);
      const list = JSON.parse(run('token', 'list', '--user', 'alice', '--json').out);
      assert.equal(list.length, 1);
      assert.deepEqual([list[0].name, list[0].scopes, list[0].orgs, list[0].createdVia], ['ci', ['code:read', 'profile:read'], ['acme'], 'cli']);
      assert.ok(!JSON.stringify(list).includes(secret));
      assert.equal(run('token', 'revoke', list[0].id).code, 0);
      assert.equal(JSON.parse(run('token', 'list', '--user', 'alice', '--status', 'revoked', '--json').out).length, 1);
      const dis = run('user', 'disable', 'alice', '--json');
      assert.equal(JSON.parse(dis.out).disabled, true);
    });

    test('errors are one line on stderr with a non-zero exit', () => {
      const cases: [string[], number, RegExp][] = [
        [['token', 'create', '--name', 'x'], 2, /--user is required/],
        [['user', 'add', 'bob', '--email', 'not-an-email'], 1, /email/],
        [['token', 'create', '--user', 'nobody', '--name', 'x', '--scopes', 'code:read'], 1, /no user "nobody"/],
        [['token', 'create', '--user', 'alice', '--name', 'x', '--scopes', 'code:fly'], 1, /unknown scope "code:fly"/],
        [['frobnicate'], 2, /unknown command/],
        [['user', 'add', '--bogus'], 2, /bogus/],
      ];
      for (const [args, code, re] of cases) {
        const r = run(...args);
        assert.equal(r.code, code, args.join(' '));
        assert.match(r.err, re, args.join(' '));
        assert.ok(r.err.trim().split('\n').length <= 2, `short error for ${args.join(' ')}: ${r.err}`);
        assert.ok(!/at .*\.js:\d+/.test(r.err), 'no stack trace');
      }
    });

    test('bad configuration stops with one line naming the variable', () => {
      for (const [k, v] of [['PATD_PORT', 'eighty'], ['PATD_TOKEN_PREFIX', 'Bad'], ['PATD_EXPIRY_WARNING_DAYS', '7,x'], ['PATD_DATABASE_URL', 'mysql://x']]) {
        const r = spawnSync(BIN, ['migrate'], { env: { ...process.env, ...env, [k as string]: v }, encoding: 'utf8' });
        assert.notEqual(r.status, 0, k);
        assert.match(r.stderr, new RegExp(k as string), k);
        assert.equal(r.stderr.trim().split('\n').length, 1, k);
      }
    });
  });
}

describe('patd serve on a fresh data folder', () => {
  test('creates admin, prints the password once, serves, and stops on SIGTERM', async () => {
    const db = await createTestDb('sqlite');
    try {
      const child = spawn(BIN, ['serve'], { env: { ...process.env, PATD_DATA_DIR: db.dataDir, PATD_DATABASE_URL: '', PATD_PORT: '0', PATD_LOG_LEVEL: 'info' } });
      let out = '';
      child.stdout.on('data', (d) => { out += d; });
      const url = await new Promise<string>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no start: ${out}`)), 15_000);
        child.stdout.on('data', () => {
          const m = out.match(/"url":"(http:\/\/[^"]+)"/);
          if (m?.[1]) { clearTimeout(t); resolve(m[1]); }
        });
      });
      const password = out.match(/password: (\S+)/)?.[1];
      assert.ok(password, 'the generated password is printed');
      assert.equal((out.match(/password: /g) ?? []).length, 1);
      assert.ok(!out.split('\n').filter((l) => l.startsWith('{')).some((l) => l.includes(password)), 'not in a log line');
      assert.equal((await fetch(`${url}/healthz`)).status, 200);
      assert.equal((await fetch(`${url}/readyz`)).status, 200);
      const s = await fetch(`${url}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password }) });
      assert.equal(s.status, 200);
      const exited = new Promise<number | null>((r) => child.on('exit', r));
      child.kill('SIGTERM');
      assert.equal(await exited, 0);
      const again = spawn(BIN, ['serve'], { env: { ...process.env, PATD_DATA_DIR: db.dataDir, PATD_PORT: '0' } });
      let out2 = '';
      again.stdout.on('data', (d) => { out2 += d; });
      await new Promise((r) => setTimeout(r, 1500));
      again.kill('SIGTERM');
      await new Promise((r) => again.on('exit', r));
      assert.ok(!out2.includes('password:'), 'the password is not printed again');
    } finally {
      await db.drop();
    }
  });

  test('a port already in use stops serve with one line and exit 1', async () => {
    const db = await createTestDb('sqlite');
    const busy = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
    try {
      const port = String((busy.address() as AddressInfo).port);
      const r = spawnSync(BIN, ['serve'], { env: { ...process.env, PATD_DATA_DIR: db.dataDir, PATD_DATABASE_URL: '', PATD_PORT: port, PATD_LOG_LEVEL: 'warn', PATD_ADMIN_PASSWORD: 'cli-admin-password-1' }, encoding: 'utf8', timeout: 30_000 });
      assert.equal(r.status, 1);
      const lines = r.stderr.split('\n').filter((l) => l && !l.startsWith('{'));
      assert.deepEqual(lines, [`patd serve: 127.0.0.1:${port} is already in use (another patd?); set PATD_PORT or PATD_HOST`]);
    } finally {
      busy.close();
      await db.drop();
    }
  });
});
