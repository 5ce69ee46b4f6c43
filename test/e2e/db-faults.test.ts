import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { describe, test } from 'node:test';
import pg from 'pg';
import { createTestDb, PG_ADMIN_URL, type TestDb } from '../helpers/db.js';
import { ADMIN_PASSWORD, startTestPatd } from '../helpers/harness.js';

const SECRET = 'test-secret-test-secret-test-secret-0123';

interface Child {
  child: ChildProcess;
  url: string;
  /** Everything it wrote (pino JSON lines). */
  out(): string;
}

function startChild(db: TestDb, env: Record<string, string> = {}): Promise<Child> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/e2e/fixtures/patd-child.ts', '{}'], {
    env: {
      ...process.env, PATD_DATA_DIR: db.dataDir, PATD_DATABASE_URL: db.url, PATD_PORT: '0', PATD_LOG_LEVEL: 'warn',
      PATD_ADMIN_PASSWORD: ADMIN_PASSWORD, PATD_SECRET: SECRET, ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (c) => { out += c; });
  child.stderr?.on('data', (c) => { out += c; });
  return new Promise((resolve, reject) => {
    const onData = () => {
      const m = out.match(/LISTENING (\S+)/);
      if (m) {
        child.stdout?.off('data', onData);
        resolve({ child, url: m[1]!, out: () => out });
      }
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`patd exited ${code}: ${out}`)));
  });
}

async function signIn(base: string): Promise<Record<string, string>> {
  const r = await fetch(`${base}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }) });
  assert.equal(r.status, 200);
  const cookie = (r.headers.get('set-cookie') ?? '').split(';')[0]!;
  const { csrfToken } = (await r.json()) as { csrfToken: string };
  return { cookie, 'x-csrf-token': csrfToken, 'content-type': 'application/json' };
}

const createToken = (base: string, headers: Record<string, string>, name: string) =>
  fetch(`${base}/api/v1/tokens`, { method: 'POST', headers, body: JSON.stringify({ name, scopes: ['profile:read'] }) });

describe('database faults never take patd down (postgres)', () => {
  test('8 connection terminations (57P01) under write load: the process stays up, every 201 is stored', async (t) => {
    const db = await createTestDb('postgres');
    const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
    await admin.connect();
    const name = new URL(db.url).pathname.slice(1);
    let p: Child | null = null;
    try {
      p = await startChild(db);
      const base = p.url;
      const headers = await signIn(base);
      const created: string[] = [];
      const statuses = new Map<number, number>();
      let stop = false;
      let died: unknown = null;
      const writer = async (w: number) => {
        for (let i = 0; !stop; i++) {
          let r: Response;
          try {
            r = await createToken(base, headers, `load-${w}-${i}`);
          } catch (e) {
            died = e; // the connection to patd failed: it is gone
            stop = true;
            return;
          }
          statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
          const body = (await r.json()) as { token?: { id: string }; code?: string };
          if (r.status === 201) created.push(body.token!.id);
          else assert.ok(r.headers.get('retry-after'), `a ${r.status} without Retry-After: ${JSON.stringify(body)}`);
        }
      };
      const writers = [0, 1, 2, 3].map(writer);
      for (let k = 0; k < 8; k++) {
        await new Promise((r) => setTimeout(r, 250));
        await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [name]);
      }
      await new Promise((r) => setTimeout(r, 500));
      stop = true;
      await Promise.all(writers);
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(died, null, `patd died: ${p.out().slice(-2000)}`);
      assert.equal(p.child.exitCode, null, `patd died: ${p.out().slice(-2000)}`);
      t.diagnostic(`answers: ${JSON.stringify([...statuses])}`);
      assert.deepEqual([...statuses.keys()].filter((s) => s !== 201 && s !== 503), [], `only 201 and 503: ${JSON.stringify([...statuses])}`);
      // It recovered by itself, and nothing answered 201 was lost.
      assert.equal((await createToken(base, headers, 'after')).status, 201);
      const check = new pg.Client({ connectionString: db.url });
      await check.connect();
      const found = await check.query('select count(*)::int as n from tokens where id = any($1)', [created]);
      await check.end();
      assert.ok(created.length > 0);
      assert.equal(found.rows[0].n, created.length);
      assert.doesNotMatch(p.out(), /Unhandled 'error' event/);
    } finally {
      p?.child.kill('SIGKILL');
      await admin.end();
      await db.drop();
    }
  });

  test('a database that refuses connections: 503 unavailable with Retry-After, /readyz 503, and recovery when it is back', async () => {
    const p = await startTestPatd('postgres');
    const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
    await admin.connect();
    const name = new URL(p.db.url).pathname.slice(1);
    try {
      const auth = await p.signIn('admin', ADMIN_PASSWORD);
      assert.equal((await p.req('GET', '/api/v1/tokens', { auth })).statusCode, 200);
      const mk = async (name: string) => (await p.req('POST', '/api/v1/tokens', { auth, body: { name, scopes: ['code:read'] } })).json().secret as string;
      const cached = await mk('cached');
      const uncached = await mk('uncached');
      assert.equal((await p.req('GET', '/auth/verify', { auth: { token: cached } })).statusCode, 200);
      await admin.query(`alter database ${name} allow_connections false`);
      await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [name]);
      for (const [method, url, body] of [['GET', '/api/v1/tokens', undefined], ['POST', '/api/v1/tokens', { name: 'x', scopes: ['profile:read'] }], ['GET', '/api/v1/me', undefined]] as const) {
        const r = await p.req(method, url, { auth, body });
        assert.equal(r.statusCode, 503, `${method} ${url}: ${r.body}`);
        assert.equal(r.json().code, 'unavailable');
        assert.match(r.headers['content-type'] as string, /application\/problem\+json/);
        assert.ok(Number(r.headers['retry-after']) > 0);
      }
      assert.equal((await p.req('GET', '/readyz')).statusCode, 503);
      assert.equal((await p.req('GET', '/healthz')).statusCode, 200);
      // A check the cache can answer still works; one that needs the database is 503, not "invalid".
      assert.equal((await p.req('GET', '/auth/verify', { auth: { token: cached } })).statusCode, 200);
      const v = await p.req('GET', '/auth/verify', { auth: { token: uncached } });
      assert.equal(v.statusCode, 503, v.body);
      assert.ok(v.headers['retry-after']);
      assert.ok(!p.logs.some((l) => l.includes('unexpected error')), 'no 500 "unexpected error"');
      assert.ok(p.logs.some((l) => l.includes('not currently accepting connections') || l.includes('57P01')), 'the log names the cause');

      await admin.query(`alter database ${name} allow_connections true`);
      const start = Date.now();
      while ((await p.req('GET', '/api/v1/tokens', { auth })).statusCode !== 200) {
        assert.ok(Date.now() - start < 10_000, 'did not recover');
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal((await p.req('GET', '/readyz')).statusCode, 200);
      assert.equal((await p.req('POST', '/api/v1/tokens', { auth, body: { name: 'back', scopes: ['profile:read'] } })).statusCode, 201);
    } finally {
      await admin.query(`alter database ${name} allow_connections true`).catch(() => {});
      await admin.end();
      await p.stop();
    }
  });
});

describe('database faults keep their cause (sqlite)', () => {
  test('no room to write (a file size limit on the server): 503 unavailable, the log keeps SQLite\'s own error, and writes work again once there is room', async () => {
    const db = await createTestDb('sqlite');
    let p: Child | null = null;
    try {
      p = await startChild(db);
      const headers = await signIn(p.url);
      const pid = String(p.child.pid);
      // RLIMIT_FSIZE on the running server: any write past 1 KiB of a file fails, as on a full disk
      // (SQLite reports SQLITE_IOERR_WRITE for EFBIG and SQLITE_FULL for ENOSPC; both end the transaction).
      execFileSync('prlimit', ['--pid', pid, '--fsize=1024:unlimited']);
      const r = await createToken(p.url, headers, 'no-room');
      assert.equal(r.status, 503, await r.clone().text());
      assert.equal(((await r.json()) as { code: string }).code, 'unavailable');
      assert.ok(r.headers.get('retry-after'));
      const start = Date.now();
      while (!/SQLITE_FULL|SQLITE_IOERR/.test(p.out()) && Date.now() - start < 5_000) await new Promise((res) => setTimeout(res, 20));
      assert.match(p.out(), /SQLITE_FULL|SQLITE_IOERR/);
      // SQLite rolled the transaction back itself; the ROLLBACK after it used to replace the cause.
      assert.doesNotMatch(p.out(), /cannot rollback/);
      execFileSync('prlimit', ['--pid', pid, '--fsize=unlimited:unlimited']);
      assert.equal((await createToken(p.url, headers, 'room-again')).status, 201);
      assert.equal(p.child.exitCode, null);
    } finally {
      p?.child.kill('SIGKILL');
      await db.drop();
    }
  });
});
