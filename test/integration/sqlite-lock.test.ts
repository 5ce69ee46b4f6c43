import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { SQLITE_LOCK_WAIT_MS } from '../../src/adapters/storage/store.js';
import { ADMIN_PASSWORD, createToken, startTestPatd, type TestPatd } from '../helpers/harness.js';

const HOLD_MS = 4_500;

/** Another process (a node script with better-sqlite3; the sqlite3 CLI is not always there) takes the write lock. */
function holdWriteLock(file: string, ms: number): Promise<ChildProcess> {
  const script = `const db = new (require('better-sqlite3'))(process.argv[1]); db.pragma('busy_timeout = 5000'); db.exec('BEGIN IMMEDIATE');
process.stdout.write('LOCKED\\n'); setTimeout(() => { db.exec('COMMIT'); process.exit(0); }, Number(process.argv[2]));`;
  const child = spawn(process.execPath, ['-e', script, file, String(ms)], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (c) => String(c).includes('LOCKED') && resolve(child));
    child.once('exit', (code) => reject(new Error(`lock holder exited ${code}`)));
  });
}

async function timed(url: string, init: RequestInit = {}): Promise<{ status: number; ms: number; headers: Headers; body: string }> {
  const t0 = performance.now();
  const r = await fetch(url, init);
  const body = await r.text();
  return { status: r.status, ms: performance.now() - t0, headers: r.headers, body };
}

describe('SQLite: another process holds the write lock', () => {
  let p: TestPatd;
  let base: string;
  let headers: Record<string, string>;
  let token: { id: string; secret: string };

  before(async () => {
    p = await startTestPatd('sqlite');
    base = await p.listen(); // with the workers: the outbox polls (and writes) every second
    const auth = await p.signIn('admin', ADMIN_PASSWORD);
    if (!('cookie' in auth)) throw new Error('no session');
    headers = { cookie: `patd_session=${auth.cookie}`, 'x-csrf-token': auth.csrf, 'content-type': 'application/json' };
    token = await createToken(p, auth, { name: 'cached', scopes: ['code:read'] });
    assert.equal((await timed(`${base}/auth/verify`, { headers: { authorization: `Bearer ${token.secret}` } })).status, 200);
  });
  after(() => p.stop());

  test('/healthz and cached token checks answer at once; a write waits, then answers 503 with Retry-After; afterwards writes work', async (t) => {
    const holder = await holdWriteLock(p.db.url.slice('sqlite:'.length), HOLD_MS);
    const started = Date.now();
    const write = timed(`${base}/api/v1/tokens`, { method: 'POST', headers, body: JSON.stringify({ name: 'during-lock', scopes: ['profile:read'] }) });
    let slowest = 0;
    let probes = 0;
    while (Date.now() - started < HOLD_MS - 1_000) {
      const h = await timed(`${base}/healthz`);
      const v = await timed(`${base}/auth/verify`, { headers: { authorization: `Bearer ${token.secret}` } });
      assert.equal(h.status, 200);
      assert.equal(v.status, 200);
      slowest = Math.max(slowest, h.ms, v.ms);
      probes++;
      await new Promise((r) => setTimeout(r, 50));
    }
    t.diagnostic(`${probes} probes while the lock was held, slowest ${Math.round(slowest)} ms`);
    assert.ok(probes > 10, `only ${probes} probes answered while the lock was held`);
    assert.ok(slowest < 500, `the slowest answer took ${Math.round(slowest)} ms while the lock was held`);
    const w = await write;
    assert.equal(w.status, 503, w.body);
    assert.equal(JSON.parse(w.body).code, 'unavailable');
    assert.equal(w.headers.get('retry-after'), '1');
    assert.ok(w.ms >= SQLITE_LOCK_WAIT_MS - 100, `gave up after ${Math.round(w.ms)} ms`);
    await new Promise((r) => holder.once('exit', r));
    const after_ = await timed(`${base}/api/v1/tokens`, { method: 'POST', headers, body: JSON.stringify({ name: 'after-lock', scopes: ['profile:read'] }) });
    assert.equal(after_.status, 201, after_.body);
  });

  test('uses counted while a flush cannot write are kept for the next flush, not lost', async () => {
    const t = await createToken(p, await p.signIn('admin', ADMIN_PASSWORD), { name: 'counted', scopes: ['code:read'] });
    const use = () => timed(`${base}/auth/verify`, { headers: { authorization: `Bearer ${t.secret}` } });
    assert.equal((await use()).status, 200); // cached from here on
    await p.core.verifier.flushUsage();
    const holder = await holdWriteLock(p.db.url.slice('sqlite:'.length), SQLITE_LOCK_WAIT_MS + 1_500);
    for (let i = 0; i < 2; i++) assert.equal((await use()).status, 200);
    await assert.rejects(p.core.verifier.flushUsage(), 'the flush meets the lock');
    for (let i = 0; i < 2; i++) assert.equal((await use()).status, 200, 'uses go on while the lock is held');
    await new Promise((r) => holder.once('exit', r));
    await p.core.verifier.flushUsage();
    const usage = (await p.req('GET', `/api/v1/tokens/${t.id}/usage`, { auth: await p.signIn('admin', ADMIN_PASSWORD) })).json();
    assert.equal(usage.days.reduce((n: number, d: { count: number }) => n + d.count, 0), 5, 'all five uses are counted');
    const view = (await p.req('GET', `/api/v1/tokens/${t.id}`, { auth: await p.signIn('admin', ADMIN_PASSWORD) })).json();
    assert.ok(view.lastUsedAt, 'the last use is written');
  });

  test('a write that gets the lock within the wait succeeds', async () => {
    const holder = await holdWriteLock(p.db.url.slice('sqlite:'.length), 500);
    const w = await timed(`${base}/api/v1/tokens`, { method: 'POST', headers, body: JSON.stringify({ name: 'short-lock', scopes: ['profile:read'] }) });
    assert.equal(w.status, 201, w.body);
    await new Promise((r) => holder.exitCode !== null ? r(null) : holder.once('exit', r));
  });
});

describe('start-up with an unusable data folder', () => {
  const patd = (env: Record<string, string>) => new Promise<{ code: number | null; stderr: string }>((resolve) => {
    const { PATD_SECRET: _s, ...rest } = process.env;
    execFile(process.execPath, ['bin/patd', 'serve'], { env: { ...rest, PATD_PORT: '0', PATD_LOG_LEVEL: 'warn', ...env }, timeout: 30_000 }, (err, _out, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stderr });
    });
  });

  for (const withSecret of [true, false]) {
    test(`a file where the folder should be${withSecret ? '' : ' (no PATD_SECRET: the secret would be generated there)'}: one line naming the path and the cause`, async () => {
      const dir = join(tmpdir(), `patd-not-a-dir-${process.pid}-${withSecret}`);
      writeFileSync(dir, 'not a folder');
      const r = await patd({ PATD_DATA_DIR: dir, ...(withSecret ? { PATD_SECRET: 'test-secret-test-secret-test-secret-0123' } : {}) });
      rmSync(dir, { force: true });
      assert.notEqual(r.code, 0);
      const lines = r.stderr.trim().split('\n');
      assert.equal(lines.length, 1, r.stderr);
      assert.ok(lines[0]!.includes(dir), r.stderr);
      assert.match(lines[0]!, /PATD_DATA_DIR/);
      assert.match(lines[0]!, /not a folder/);
      assert.doesNotMatch(lines[0]!, /unexpected error/);
    });
  }
});
