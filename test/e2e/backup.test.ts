import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createTestDb, dialects } from '../helpers/db.js';
import { type CommandResult, runCommand } from '../helpers/run-command.js';
import { api, type ServeProcess, signInHttp, spawnServe } from '../helpers/serve-process.js';

const BIN = fileURLToPath(new URL('../../bin/patd', import.meta.url));
const run = promisify(execFile);
const PASSWORD = 'backup-admin-password-1';

/** bin/patd to its end, with its output. */
const patd = (args: string[], env: Record<string, string>): Promise<CommandResult> => runCommand(BIN, args, { env: { ...process.env, PATD_LOG_LEVEL: 'warn', ...env } });

describe('patd backup and restore while the server writes (sqlite)', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'patd-backup-'));
  const servers: ServeProcess[] = [];
  after(async () => {
    for (const s of servers) await s.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  test('a backup taken during token writes restores to an instance that accepts the tokens issued before it', async () => {
    const src = join(tmp, 'src');
    const env = { PATD_DATA_DIR: src, PATD_DATABASE_URL: '', PATD_ADMIN_PASSWORD: PASSWORD, PATD_LOG_LEVEL: 'info' };
    const a = await spawnServe(BIN, ['serve'], env);
    servers.push(a);
    const s = await signInHttp(a.url, 'admin', PASSWORD);
    assert.equal((await api(a.url, s, 'POST', '/orgs', { name: 'acme' })).status, 201);
    assert.equal((await api(a.url, s, 'POST', '/orgs/acme/repos', { name: 'web' })).status, 201);
    const git = await api(a.url, s, 'POST', '/tokens', { name: 'git', scopes: ['code:read'], orgs: ['acme'], expiresInDays: 30 });
    const gitSecret = git.json.secret as string;

    // Writers: two loops creating tokens until told to stop.
    const issued: { secret: string; doneAt: number }[] = [];
    let stop = false;
    let n = 0;
    const writer = async () => {
      while (!stop) {
        const r = await api(a.url, s, 'POST', '/tokens', { name: `t${n++}`, scopes: ['profile:read'], orgs: '*', expiresInDays: 7 });
        assert.equal(r.status, 201, JSON.stringify(r.json));
        issued.push({ secret: r.json.secret as string, doneAt: performance.now() });
      }
    };
    const writers = [writer(), writer()];
    while (issued.length < 10) await new Promise((r) => setTimeout(r, 20));

    const dest = join(tmp, 'backup');
    const started = performance.now();
    const b = await patd(['backup', dest, '--json'], { PATD_DATA_DIR: src, PATD_DATABASE_URL: '' });
    const ended = performance.now();
    stop = true;
    await Promise.all(writers);
    assert.equal(b.code, 0, b.err);
    const before = issued.filter((t) => t.doneAt < started);
    assert.ok(issued.some((t) => t.doneAt > started && t.doneAt < ended), 'tokens were written while the backup ran');
    const m = JSON.parse(b.out);
    assert.equal(m.database.dialect, 'sqlite');
    assert.ok(m.database.tokens >= before.length + 1, `${m.database.tokens} tokens in the backup`);
    assert.equal(m.secret, 'file');
    assert.equal(m.git.repositories, 1);
    for (const f of ['manifest.json', 'patd.db', 'secret']) assert.equal(statSync(join(dest, f)).mode & 0o077, 0, `${f} is private`);

    // Restore into a fresh data folder and run a second instance from it.
    const dst = join(tmp, 'restored');
    const r = await patd(['restore', dest], { PATD_DATA_DIR: dst, PATD_DATABASE_URL: '' });
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /restored into .*restored: database \(1 users, \d+ tokens, 1 orgs\), the secret, 1 git repositories/);
    assert.equal(readFileSync(join(dst, 'secret'), 'utf8'), readFileSync(join(src, 'secret'), 'utf8'));
    const again = await patd(['restore', dest], { PATD_DATA_DIR: dst, PATD_DATABASE_URL: '' });
    assert.equal(again.code, 1);
    assert.match(again.err, /already exists; restore into an empty data folder, or pass --force/);

    const b2 = await spawnServe(BIN, ['serve'], { PATD_DATA_DIR: dst, PATD_DATABASE_URL: '', PATD_LOG_LEVEL: 'info' });
    servers.push(b2);
    for (const t of before) {
      const me = await fetch(`${b2.url}/api/v1/me`, { headers: { authorization: `Bearer ${t.secret}` } });
      assert.equal(me.status, 200, 'a token issued before the backup works on the restored instance');
    }
    // Tokens issued while the backup ran are either in it or not, never half there.
    for (const t of issued.filter((x) => x.doneAt >= started)) {
      const me = await fetch(`${b2.url}/api/v1/me`, { headers: { authorization: `Bearer ${t.secret}` } });
      assert.ok([200, 401].includes(me.status), String(me.status));
    }
    await signInHttp(b2.url, 'admin', PASSWORD);
    const u = new URL(`${b2.url}/acme/_git/web`);
    u.username = 'x';
    u.password = gitSecret;
    await run('git', ['ls-remote', u.toString()], { env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } });
    assert.ok(!existsSync(join(dst, 'patd.db.restoring')));

    // --force replaces what is there (with every patd on it stopped).
    await b2.stop();
    const forced = await patd(['restore', dest, '--force', '--json'], { PATD_DATA_DIR: dst, PATD_DATABASE_URL: '' });
    assert.equal(forced.code, 0, forced.err);
    assert.equal(JSON.parse(forced.out).database.tokens, m.database.tokens);
  });

  test('a damaged backup is refused before anything is written', async () => {
    const dest = join(tmp, 'backup');
    const copy = join(tmp, 'damaged');
    await run('cp', ['-a', dest, copy]);
    await run('truncate', ['-s', '-4096', join(copy, 'patd.db')]);
    const target = join(tmp, 'never');
    const r = await patd(['restore', copy, '--json'], { PATD_DATA_DIR: target, PATD_DATABASE_URL: '' });
    assert.equal(r.code, 1);
    assert.match(JSON.parse(r.err).error.message, /does not match its checksum/);
    assert.ok(!existsSync(target));
    const notBackup = await patd(['restore', tmp], { PATD_DATA_DIR: target, PATD_DATABASE_URL: '' });
    assert.equal(notBackup.code, 1);
    assert.match(notBackup.err, /is not a patd backup/);
  });
});

for (const dialect of (await dialects()).filter((d) => d === 'postgres')) {
  describe(`patd backup on ${dialect}`, () => {
    test('refuses to pretend: the database is for pg_dump; --files-only saves the rest', async () => {
      const db = await createTestDb(dialect);
      try {
        const env = { PATD_DATA_DIR: db.dataDir, PATD_DATABASE_URL: db.url };
        assert.equal((await patd(['migrate'], env)).code, 0);
        const dest = join(db.dataDir, 'bk');
        const r = await patd(['backup', dest, '--json'], env);
        assert.equal(r.code, 1);
        assert.deepEqual(JSON.parse(r.err).error.code, 'postgres');
        assert.match(JSON.parse(r.err).error.message, /pg_dump/);
        assert.ok(!existsSync(dest));
        const f = await patd(['backup', dest, '--files-only', '--json'], env);
        assert.equal(f.code, 0, f.err);
        assert.equal(JSON.parse(f.out).database, null);
        assert.equal(JSON.parse(f.out).secret, 'none', 'migrate generates no secret');
        // A SQLite backup cannot go into PostgreSQL.
        const sqliteBackup = join(tmpdir(), `patd-bk-${process.pid}`);
        const lite = await createTestDb('sqlite');
        try {
          const le = { PATD_DATA_DIR: lite.dataDir, PATD_DATABASE_URL: '' };
          assert.equal((await patd(['migrate'], le)).code, 0);
          assert.equal((await patd(['backup', sqliteBackup], le)).code, 0);
          const into = await patd(['restore', sqliteBackup], { ...env, PATD_DATA_DIR: join(db.dataDir, 'new') });
          assert.equal(into.code, 1);
          assert.match(into.err, /PATD_DATABASE_URL is PostgreSQL; restore PostgreSQL with pg_restore/);
        } finally {
          rmSync(sqliteBackup, { recursive: true, force: true });
          await lite.drop();
        }
      } finally {
        await db.drop();
      }
    });

    test('the pg_dump / pg_restore recipe of docs/backup.md, with patd backup --files-only, restores a working instance', async () => {
      const from = await createTestDb(dialect);
      const into = await createTestDb(dialect);
      const servers: ServeProcess[] = [];
      try {
        const env = { PATD_DATA_DIR: from.dataDir, PATD_DATABASE_URL: from.url, PATD_ADMIN_PASSWORD: PASSWORD, PATD_LOG_LEVEL: 'info' };
        const a = await spawnServe(BIN, ['serve'], env);
        servers.push(a);
        const s = await signInHttp(a.url, 'admin', PASSWORD);
        assert.equal((await api(a.url, s, 'POST', '/orgs', { name: 'acme' })).status, 201);
        assert.equal((await api(a.url, s, 'POST', '/orgs/acme/repos', { name: 'web' })).status, 201);
        const t = await api(a.url, s, 'POST', '/tokens', { name: 'ci', scopes: ['profile:read', 'code:read'], orgs: '*', expiresInDays: 7 });
        // docs/backup.md, "PostgreSQL": the database first, then the files.
        const dump = join(from.dataDir, 'patd.dump');
        await run('pg_dump', ['--format=custom', `--file=${dump}`, from.url]);
        const files = join(from.dataDir, 'files');
        assert.equal((await patd(['backup', files, '--files-only'], { PATD_DATA_DIR: from.dataDir, PATD_DATABASE_URL: from.url })).code, 0);
        await a.stop();
        await run('pg_restore', ['--no-owner', '--no-privileges', `--dbname=${into.url}`, dump]);
        const dst = join(into.dataDir, 'restored');
        const r = await patd(['restore', files], { PATD_DATA_DIR: dst, PATD_DATABASE_URL: into.url });
        assert.equal(r.code, 0, r.err);
        const b = await spawnServe(BIN, ['serve'], { PATD_DATA_DIR: dst, PATD_DATABASE_URL: into.url, PATD_LOG_LEVEL: 'info' });
        servers.push(b);
        assert.equal((await fetch(`${b.url}/api/v1/me`, { headers: { authorization: `Bearer ${t.json.secret as string}` } })).status, 200);
        const u = new URL(`${b.url}/acme/_git/web`);
        u.username = 'x';
        u.password = t.json.secret as string;
        await run('git', ['ls-remote', u.toString()], { env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } });
      } finally {
        for (const x of servers) await x.stop();
        await from.drop();
        await into.drop();
      }
    });
  });
}
