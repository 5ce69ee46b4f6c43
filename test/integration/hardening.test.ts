import assert from 'node:assert/strict';
import { chmodSync, existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { makeLogger } from '../../src/adapters/logger.js';
import { loadConfig } from '../../src/config.js';
import { ManualClock } from '../../src/core/clock.js';
import { createPatd, type Patd } from '../../src/server.js';
import { createTestDb, dialects, type TestDb } from '../helpers/db.js';
import { ADMIN_PASSWORD, addUser, type Auth, createToken, T0, startTestPatd, type TestPatd } from '../helpers/harness.js';

/** A raw HTTP request: exactly the headers given (fetch and inject add a Content-Type of their own). */
function raw(base: string, method: string, path: string, headers: Record<string, string>, body?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, { method, headers }, (res) => {
      let b = '';
      res.on('data', (c) => (b += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: b }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const basic = (secret: string) => `Basic ${Buffer.from(`:${secret}`).toString('base64')}`;
const mode = (path: string) => statSync(path).mode & 0o777;

for (const dialect of await dialects()) {
  describe(`hardening (${dialect})`, () => {
    let p: TestPatd;
    let admin: Auth;
    let base: string;
    before(async () => {
      p = await startTestPatd(dialect);
      admin = await p.signIn('admin', ADMIN_PASSWORD);
      base = await p.app.listen({ host: '127.0.0.1', port: 0 });
    });
    after(() => p.stop());

    test('API bodies are JSON only: a cross-site form can neither sign a browser in nor act with a cached Basic credential', async () => {
      const signIn = `username=admin&password=${ADMIN_PASSWORD}`;
      // Login CSRF: a plain HTML form posting to the API.
      const form = await raw(base, 'POST', '/api/v1/session', { 'content-type': 'application/x-www-form-urlencoded' }, signIn);
      assert.equal(form.status, 415, form.body);
      assert.equal(JSON.parse(form.body).code, 'unsupported_media_type');
      assert.doesNotMatch(form.body, /csrfToken/);
      // The other types an HTML form (or a no-cors fetch) can send, and a body with no type at all.
      const types: [Record<string, string>, string][] = [
        [{ 'content-type': 'text/plain' }, JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD })],
        [{ 'content-type': 'multipart/form-data; boundary=x' }, '--x\r\nContent-Disposition: form-data; name="username"\r\n\r\nadmin\r\n--x--\r\n'],
        [{}, JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD })],
      ];
      for (const [headers, body] of types) {
        const res = await raw(base, 'POST', '/api/v1/session', headers, body);
        assert.equal(res.status, 415, `${JSON.stringify(headers)}: ${res.body}`);
      }
      // A Basic credential the browser has cached: a form creating an org, or regenerating a token with an empty form.
      const pat = await createToken(p, admin, { name: 'cached', scopes: ['*'] });
      const org = await raw(base, 'POST', '/api/v1/orgs', { authorization: basic(pat.secret), 'content-type': 'application/x-www-form-urlencoded' }, 'name=planted');
      assert.equal(org.status, 415, org.body);
      assert.equal((await p.req('GET', '/api/v1/orgs/planted', { auth: admin })).statusCode, 404);
      const victim = await createToken(p, admin, { name: 'victim', scopes: ['profile:read'] });
      const regen = await raw(base, 'POST', `/api/v1/tokens/${victim.id}/regenerate`, { authorization: basic(pat.secret), 'content-type': 'application/x-www-form-urlencoded', 'content-length': '0' });
      assert.equal(regen.status, 415, regen.body);
      assert.equal((await p.req('GET', '/api/v1/me', { auth: { token: victim.secret } })).statusCode, 200, 'the token was not regenerated');
    });

    test('JSON keeps working, also as Content-Type: application/json with an empty body; pages and /oauth/* still take forms', async () => {
      const ok = await raw(base, 'POST', '/api/v1/session', { 'content-type': 'application/json; charset=utf-8' }, JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }));
      assert.equal(ok.status, 200, ok.body);
      const pat = await createToken(p, admin, { name: 'json', scopes: ['*'] });
      const t = await createToken(p, admin, { name: 'to-revoke', scopes: ['profile:read'] });
      const auth = { authorization: basic(pat.secret) };
      assert.equal((await raw(base, 'POST', `/api/v1/tokens/${t.id}/regenerate`, { ...auth, 'content-type': 'application/json' })).status, 200);
      assert.equal((await raw(base, 'DELETE', `/api/v1/tokens/${t.id}`, { ...auth, 'content-type': 'application/json' })).status, 204);
      assert.equal((await raw(base, 'DELETE', `/api/v1/tokens/${t.id}`, auth)).status, 204, 'no body, no type');
      const device = await raw(base, 'POST', '/oauth/device_authorization', { 'content-type': 'application/x-www-form-urlencoded' }, 'client_id=cli&scope=profile:read');
      assert.equal(device.status, 200, device.body);
      const page = await raw(base, 'GET', '/device', {});
      assert.equal(page.status, 200);
    });

    test('token and display names refuse control characters, bidirectional overrides and invisible characters', async () => {
      const rlo = 'invoice\u202Egpj.exe';
      const expectField = (res: { statusCode: number; json(): { code: string; field?: string } }, field: string, what: string) => {
        assert.equal(res.statusCode, 400, what);
        assert.equal(res.json().code, 'validation_failed', what);
        assert.equal(res.json().field, field, what);
      };
      expectField(await p.req('POST', '/api/v1/tokens', { auth: admin, body: { name: rlo, scopes: ['profile:read'] } }), 'name', 'token name');
      const t = await createToken(p, admin, { name: 'plain', scopes: ['profile:read'] });
      expectField(await p.req('PATCH', `/api/v1/tokens/${t.id}`, { auth: admin, body: { name: 'bell\u0007' } }), 'name', 'token rename');
      expectField(await p.req('PATCH', '/api/v1/me', { auth: admin, body: { displayName: 'Ad\u2066min' } }), 'displayName', 'own display name');
      expectField(await p.req('POST', '/api/v1/users', { auth: admin, body: { username: 'zed', email: 'zed@example.test', displayName: 'ad\u200Bmin' } }), 'displayName', 'new user');
      const u = await addUser(p, admin, 'yan');
      expectField(await p.req('PATCH', `/api/v1/users/${u.id}`, { auth: admin, body: { displayName: 'y\u0000' } }), 'displayName', 'user edit');
      expectField(await p.req('POST', '/api/v1/orgs', { auth: admin, body: { name: 'bidi', displayName: 'Acme \u202Bltd' } }), 'displayName', 'org');
      for (const [param, value] of [['token_name', rlo], ['client_id', 'cli\u202E']]) {
        const res = await raw(base, 'POST', '/oauth/device_authorization', { 'content-type': 'application/x-www-form-urlencoded' },
          new URLSearchParams({ client_id: 'cli', scope: 'profile:read', [param as string]: value as string }).toString());
        assert.equal(res.status, 400, `${param}: ${res.body}`);
        assert.equal(JSON.parse(res.body).error, 'invalid_request');
        assert.match(JSON.parse(res.body).error_description, new RegExp(param as string));
      }
      // Ordinary names in any script are fine.
      assert.equal((await p.req('POST', '/api/v1/tokens', { auth: admin, body: { name: 'Zoë’s 中文 👩‍💻 key', scopes: ['profile:read'] } })).statusCode, 201);
    });

    test('device user codes are not written to the access log', async () => {
      const before = p.logs.length;
      await p.req('GET', '/device?user_code=BCDF-GHJK');
      await p.req('GET', '/device?x=1&user_code=bcdfghjk');
      assert.equal((await p.req('GET', '/api/v1/device/BCDF-GHJK', { auth: admin })).statusCode, 404);
      assert.equal((await p.req('POST', '/api/v1/device/BCDFGHJK', { auth: admin, body: { action: 'deny' } })).statusCode, 404);
      const lines = p.logs.slice(before).join('');
      assert.match(lines, /\/api\/v1\/device\/\[redacted\]/, 'the requests were logged');
      assert.match(lines, /user_code=\[redacted\]/);
      assert.doesNotMatch(lines, /BCDF|bcdf/);
    });
  });
}

describe('files in the data folder are private to patd (sqlite)', () => {
  let db: TestDb;
  let patd: Patd | undefined;
  const start = async () => {
    const config = loadConfig({ PATD_DATA_DIR: db.dataDir, PATD_DATABASE_URL: db.url, PATD_PORT: '0', PATD_LOG_LEVEL: 'warn' });
    patd = await createPatd(config, { clock: new ManualClock(T0), logger: makeLogger('warn', new Writable({ write: (_c, _e, cb) => cb() })) });
    await patd.accounts.bootstrap(ADMIN_PASSWORD);
    return patd;
  };
  before(async () => {
    db = await createTestDb('sqlite');
  });
  after(async () => {
    await patd?.close();
    await db.drop();
  });

  /** Mail written as .eml (no SMTP server) and a git repository, so that every kind of file exists. */
  async function useEverything(q: Patd, n: number) {
    const signIn = await q.app.inject({ method: 'POST', url: '/api/v1/session', payload: { username: 'admin', password: ADMIN_PASSWORD } });
    const cookie = signIn.cookies.find((c) => c.name === 'patd_session')?.value ?? '';
    const headers = { cookie: `patd_session=${cookie}`, 'x-csrf-token': signIn.json().csrfToken };
    assert.equal((await q.app.inject({ method: 'POST', url: '/api/v1/tokens', headers, payload: { name: `t${n}`, scopes: ['profile:read'] } })).statusCode, 201);
    await q.notifications.outbox.drain();
    assert.equal((await q.app.inject({ method: 'POST', url: '/api/v1/orgs', headers, payload: { name: `org${n}` } })).statusCode, 201);
    assert.equal((await q.app.inject({ method: 'POST', url: `/api/v1/orgs/org${n}/repos`, headers, payload: { name: 'web' } })).statusCode, 201);
  }

  function assertPrivate() {
    const d = db.dataDir;
    const db3 = join(d, 'patd.db');
    assert.equal(mode(d).toString(8), '700', 'the data folder');
    for (const f of [db3, `${db3}-wal`, `${db3}-shm`, join(d, 'secret')]) assert.equal(mode(f).toString(8), '600', f);
    assert.equal(mode(join(d, 'mail')).toString(8), '700', 'the mail folder');
    const mails = readdirSync(join(d, 'mail')).filter((f) => f.endsWith('.eml'));
    assert.ok(mails.length > 0, 'mail was written to files');
    for (const f of mails) assert.equal(mode(join(d, 'mail', f)).toString(8), '600', f);
    assert.equal(mode(join(d, 'git')).toString(8), '700', 'the git folder');
  }

  test('a fresh start creates them 0600 (folders 0700)', async () => {
    const q = await start();
    await useEverything(q, 1);
    assert.ok(existsSync(join(db.dataDir, 'patd.db-wal')), 'the database is in WAL mode');
    assertPrivate();
  });

  test('a start fixes what an older version left readable', async () => {
    await patd?.close();
    const d = db.dataDir;
    const eml = join(d, 'mail', 'old.eml');
    writeFileSync(eml, 'From: x\n\nold');
    for (const f of [join(d, 'patd.db'), join(d, 'secret'), eml]) chmodSync(f, 0o644);
    for (const f of [d, join(d, 'mail'), join(d, 'git')]) chmodSync(f, 0o755);
    const q = await start();
    await useEverything(q, 2);
    assertPrivate();
  });
});
