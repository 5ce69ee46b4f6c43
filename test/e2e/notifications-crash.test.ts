import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import pg from 'pg';
import { createTestDb, dialects } from '../helpers/db.js';
import { startSmtp } from '../helpers/smtp.js';

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

const FAST = { outbox: { pollMs: 100, backoffMs: 200, leaseMs: 1_000 } };

function startChild(env: Record<string, string>, opts: object = FAST): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/e2e/fixtures/patd-child.ts', JSON.stringify(opts)], {
    env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (c) => {
      out += c;
      const m = out.match(/LISTENING (\S+)/);
      if (m) resolve({ child, url: m[1]! });
    });
    child.on('exit', (code) => reject(new Error(`child exited ${code}: ${out}`)));
  });
}

async function createToken(base: string, name: string): Promise<void> {
  const signIn = await fetch(`${base}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: 'admin-password-1' }) });
  const cookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0]!;
  const { csrfToken } = (await signIn.json()) as { csrfToken: string };
  const created = await fetch(`${base}/api/v1/tokens`, {
    method: 'POST', headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': csrfToken }, body: JSON.stringify({ name, scopes: ['profile:read'] }),
  });
  assert.equal(created.status, 201);
}

const baseEnv = (db: { dataDir: string; url: string }) => ({
  PATD_DATA_DIR: db.dataDir, PATD_DATABASE_URL: db.url, PATD_PORT: '0', PATD_LOG_LEVEL: 'silent', PATD_ADMIN_PASSWORD: 'admin-password-1',
  PATD_SECRET: 'test-secret-test-secret-test-secret-0123',
});

for (const dialect of await dialects()) {
  describe(`notifications survive a crash (${dialect})`, () => {
    test('killed while a mail is in flight: sent again after the 30 s lease (it was 2 minutes), with the same Message-ID', async () => {
      const db = await createTestDb(dialect);
      // The mail server takes the message and does not answer: patd is killed while it waits.
      const smtp = await startSmtp({ delayMs: 600_000 });
      const env = { ...baseEnv(db), PATD_SMTP_URL: `smtp://127.0.0.1:${smtp.port}` };
      const opts = { outbox: { pollMs: 100 } }; // the default lease
      let second: ChildProcess | null = null;
      try {
        const first = await startChild(env, opts);
        await createToken(first.url, 'in-flight');
        await smtp.waitFor(1, 10_000);
        first.child.kill('SIGKILL');
        await new Promise((r) => first.child.once('exit', r));
        const killedAt = Date.now();
        smtp.delay(0);
        second = (await startChild(env, opts)).child;
        await smtp.waitFor(2, 60_000);
        const lag = Date.now() - killedAt;
        assert.ok(lag < 45_000, `sent again ${lag} ms after the kill`);
        const [a, b] = smtp.mails;
        assert.equal(a!.messageId, b!.messageId, 'a receiver can tell the second copy by its Message-ID');
        assert.match(a!.messageId, /^<[^@]+@patd>$/);
      } finally {
        second?.kill('SIGKILL');
        await smtp.close();
        await db.drop();
      }
    });

    test('killed with SIGKILL after the commit and before the send: exactly one mail after restart', async () => {
      const db = await createTestDb(dialect);
      const port = await freePort();
      const env = {
        PATD_DATA_DIR: db.dataDir, PATD_DATABASE_URL: db.url, PATD_PORT: '0', PATD_LOG_LEVEL: 'silent', PATD_ADMIN_PASSWORD: 'admin-password-1',
        PATD_SECRET: 'test-secret-test-secret-test-secret-0123', PATD_SMTP_URL: `smtp://127.0.0.1:${port}`,
      };
      let smtp: Awaited<ReturnType<typeof startSmtp>> | null = null;
      let second: ChildProcess | null = null;
      try {
        // The mail server is not up yet: the message is committed, and cannot be sent.
        const first = await startChild(env);
        const signIn = await fetch(`${first.url}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: 'admin-password-1' }) });
        const cookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0]!;
        const { csrfToken } = (await signIn.json()) as { csrfToken: string };
        const created = await fetch(`${first.url}/api/v1/tokens`, {
          method: 'POST', headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': csrfToken }, body: JSON.stringify({ name: 'crash-test', scopes: ['profile:read'] }),
        });
        assert.equal(created.status, 201);
        await new Promise((r) => setTimeout(r, 300)); // let it try (and fail) to send
        first.child.kill('SIGKILL');
        await new Promise((r) => first.child.once('exit', r));

        smtp = await startSmtp({ port });
        second = (await startChild(env)).child;
        await smtp.waitFor(1, 10_000);
        await new Promise((r) => setTimeout(r, 1_500));
        assert.equal(smtp.mails.filter((m) => /crash-test/.test(m.subject)).length, 1);
      } finally {
        second?.kill('SIGKILL');
        await smtp?.close();
        await db.drop();
      }
    });
  });
}

describe('mail files are written whole or not at all', () => {
  // RLIMIT_FSIZE on the running server makes every file write past 1 KiB fail, as a full disk
  // would. PostgreSQL only: on SQLite the limit stops the database's own writes first.
  test('a write that fails half-way leaves no .eml behind; the retry writes it whole', async () => {
    const db = await createTestDb('postgres');
    const check = new pg.Client({ connectionString: db.url });
    let child: ChildProcess | null = null;
    const mailDir = join(db.dataDir, 'mail');
    const files = () => (existsSync(mailDir) ? readdirSync(mailDir) : []);
    try {
      const started = await startChild(baseEnv(db), { outbox: { pollMs: 100, backoffMs: 300 } });
      child = started.child;
      execFileSync('prlimit', ['--pid', String(child.pid), '--fsize=1024:unlimited']);
      await createToken(started.url, 'no-room-for-mail');
      await check.connect();
      const mail = async () => (await check.query("select status, attempts, last_error from outbox where kind = 'mail'")).rows[0] as
        | { status: string; attempts: number; last_error: string | null } | undefined;
      const start = Date.now();
      while (!(await mail())?.last_error) {
        assert.ok(Date.now() - start < 10_000, 'no failed attempt');
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.match((await mail())!.last_error!, /EFBIG|too large/i);
      assert.deepEqual(files(), [], 'no empty, partial or temporary file');
      execFileSync('prlimit', ['--pid', String(child.pid), '--fsize=unlimited:unlimited']);
      while ((await mail())?.status !== 'sent') {
        assert.ok(Date.now() - start < 20_000, `not written: ${JSON.stringify(await mail())}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      const eml = files();
      assert.equal(eml.length, 1, String(eml));
      assert.match(eml[0]!, /\.eml$/);
      const file = join(mailDir, eml[0]!);
      assert.ok(statSync(file).size > 1024);
      const text = readFileSync(file, 'utf8');
      assert.match(text, /^Message-ID: <[^@]+@patd>$/m);
      assert.match(text.trimEnd(), /\n--[^\n]+--$/, 'ends with the closing MIME boundary');
    } finally {
      child?.kill('SIGKILL');
      await check.end().catch(() => {});
      await db.drop();
    }
  });
});
