import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { describe, test } from 'node:test';
import { createTestDb, dialects } from '../helpers/db.js';
import { startSmtp } from '../helpers/smtp.js';

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

function startChild(env: Record<string, string>): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/e2e/fixtures/patd-child.ts', JSON.stringify({ outbox: { pollMs: 100, backoffMs: 200, leaseMs: 1_000 } })], {
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

for (const dialect of await dialects()) {
  describe(`notifications survive a crash (${dialect})`, () => {
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
