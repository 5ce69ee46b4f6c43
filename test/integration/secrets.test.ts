import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import pg from 'pg';
import { dialects, tampered } from '../helpers/db.js';
import { ADMIN_PASSWORD, type Auth, startTestPatd, type TestPatd } from '../helpers/harness.js';

/** Every row of every table, as text. */
async function dumpPostgres(url: string): Promise<string> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const tables = await c.query("SELECT tablename FROM pg_tables WHERE schemaname = 'public'");
    let out = '';
    for (const { tablename } of tables.rows) out += JSON.stringify((await c.query(`SELECT * FROM "${tablename}"`)).rows);
    return out;
  } finally {
    await c.end();
  }
}

for (const dialect of await dialects()) {
  describe(`secrets are never stored or logged (${dialect})`, () => {
    let p: TestPatd;
    let admin: Auth;
    const secrets: string[] = [];
    before(async () => {
      p = await startTestPatd(dialect, { env: { PATD_LOG_LEVEL: 'trace' } });
      admin = await p.signIn('admin', ADMIN_PASSWORD);
    });
    after(() => p.stop());

    test('issue, use, fail, regenerate, revoke — then search the database and the log', async () => {
      const base = await p.app.listen({ host: '127.0.0.1', port: 0 });
      const a = admin as { cookie: string; csrf: string };
      const h = { cookie: `patd_session=${a.cookie}`, 'x-csrf-token': a.csrf, 'content-type': 'application/json' };
      for (let i = 0; i < 3; i++) {
        const res = await fetch(`${base}/api/v1/tokens`, { method: 'POST', headers: h, body: JSON.stringify({ name: `s${i}`, scopes: ['profile:read'] }) });
        const { token, secret } = await res.json() as { token: { id: string }; secret: string };
        secrets.push(secret);
        assert.equal((await fetch(`${base}/api/v1/me`, { headers: { authorization: `Basic ${Buffer.from(`u:${secret}`).toString('base64')}` } })).status, 200);
        assert.equal((await fetch(`${base}/api/v1/tokens`, { headers: { authorization: `Bearer ${secret}` } })).status, 403);
        const regen = await fetch(`${base}/api/v1/tokens/${token.id}/regenerate`, { method: 'POST', headers: h, body: '{"graceSeconds":60}' });
        const next = (await regen.json() as { secret: string }).secret;
        secrets.push(next);
        assert.equal((await fetch(`${base}/api/v1/me?t=${encodeURIComponent('x')}`, { headers: { authorization: `Bearer ${next}` } })).status, 200);
        if (i === 1) assert.equal((await fetch(`${base}/api/v1/tokens/${token.id}`, { method: 'DELETE', headers: h })).status, 204);
        assert.equal((await fetch(`${base}/api/v1/me`, { headers: { authorization: `Bearer ${secret}x` } })).status, 401);
      }
      // A device sign-in (its device_code is a secret; its user code may not be logged) and a webhook's signing secret.
      const form = { 'content-type': 'application/x-www-form-urlencoded' };
      const started = await (await fetch(`${base}/oauth/device_authorization`, { method: 'POST', headers: form, body: 'client_id=cli&scope=profile:read' })).json() as { device_code: string; user_code: string };
      secrets.push(started.device_code);
      assert.equal((await fetch(`${base}/device?user_code=${started.user_code}`, { headers: { cookie: h.cookie } })).status, 200);
      assert.equal((await fetch(`${base}/api/v1/device/${started.user_code}`, { headers: { cookie: h.cookie } })).status, 200);
      await fetch(`${base}/oauth/token`, { method: 'POST', headers: form, body: `grant_type=urn:ietf:params:oauth:grant-type:device_code&client_id=cli&device_code=${started.device_code}` });
      const hook = await fetch(`${base}/api/v1/webhooks`, { method: 'POST', headers: h, body: JSON.stringify({ url: 'https://hooks.invalid/patd' }) });
      assert.equal(hook.status, 201);
      secrets.push((await hook.json() as { secret: string }).secret);
      const bogus = tampered(secrets[0] ?? '');
      await fetch(`${base}/api/v1/me`, { headers: { authorization: `Bearer ${bogus}` } });
      await p.core.verifier.flushUsage();

      let stored = '';
      if (dialect === 'sqlite') {
        await sql`PRAGMA wal_checkpoint(PASSIVE)`.execute((p.store as unknown as { db: { kysely: never } }).db.kysely);
        for (const f of readdirSync(p.db.dataDir)) stored += readFileSync(join(p.db.dataDir, f)).toString('latin1');
      } else {
        stored = await dumpPostgres(p.db.url);
      }
      assert.ok(stored.length > 1000, 'the dump has the rows');
      const log = p.logs.join('');
      assert.ok(log.includes('/api/v1/webhooks'), 'requests were logged');
      for (const s of secrets) {
        assert.ok(!stored.includes(s), 'a secret is in the database');
        assert.ok(!stored.includes(s.slice(5, 30)), 'part of a secret is in the database');
        assert.ok(!log.includes(s), 'a secret is in the log');
        assert.ok(!log.includes(s.slice(5, 30)), 'part of a secret is in the log');
      }
      assert.ok(!log.includes(a.cookie), 'the session cookie is in the log');
      for (const code of [started.user_code, started.user_code.replace('-', '')]) assert.ok(!log.includes(code), 'a device user code is in the log');
      assert.ok(!stored.includes(a.cookie), 'the session cookie is stored');
    });
  });
}
