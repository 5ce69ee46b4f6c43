import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { dialects } from '../helpers/db.js';
import { ADMIN_PASSWORD, type Auth, addUser, createToken, startTestPatd, type TestPatd } from '../helpers/harness.js';
import { type SmtpListener, startSmtp } from '../helpers/smtp.js';

const FAST = { outbox: { pollMs: 50, backoffMs: 1_000, maxBackoffMs: 8_000, maxAttempts: 3 } };

/** Service accounts: owned by an org, managed by its admins, and they outlast the people. */
for (const dialect of await dialects()) {
  describe(`service accounts (${dialect})`, () => {
    let smtp: SmtpListener;
    let p: TestPatd;
    let admin: Auth;
    let olga: { id: string; auth: Auth };
    let adam: { id: string; auth: Auth };
    let mia: { id: string; auth: Auth };
    let zed: { id: string; auth: Auth };
    const sa = (path = '') => `/api/v1/orgs/acme/service-accounts${path}`;
    before(async () => {
      smtp = await startSmtp();
      p = await startTestPatd(dialect, { env: { PATD_SMTP_URL: smtp.url, PATD_PUBLIC_URL: 'https://patd.example.test' }, overrides: { notifications: FAST } });
      admin = await p.signIn('admin', ADMIN_PASSWORD);
      olga = await addUser(p, admin, 'olga');
      adam = await addUser(p, admin, 'adam');
      mia = await addUser(p, admin, 'mia');
      zed = await addUser(p, admin, 'zed');
      assert.equal((await p.req('POST', '/api/v1/orgs', { auth: olga.auth, body: { name: 'acme' } })).statusCode, 201);
      assert.equal((await p.req('POST', '/api/v1/orgs', { auth: zed.auth, body: { name: 'other' } })).statusCode, 201);
      for (const [u, role] of [['adam', 'admin'], ['mia', 'member']]) {
        assert.equal((await p.req('PUT', `/api/v1/orgs/acme/members/${u}`, { auth: admin, body: { role } })).statusCode, 200);
      }
    });
    after(async () => {
      await p.stop();
      await smtp.close();
    });

    test('an org admin creates one; members and other orgs cannot; it cannot sign in', async () => {
      const res = await p.req('POST', sa(), { auth: adam.auth, body: { username: 'ci-bot', displayName: 'CI bot' } });
      assert.equal(res.statusCode, 201, res.body);
      assert.deepEqual([res.json().username, res.json().org, res.json().displayName], ['ci-bot', 'acme', 'CI bot']);
      assert.equal((await p.req('POST', sa(), { auth: mia.auth, body: { username: 'nope-bot' } })).statusCode, 403);
      assert.equal((await p.req('POST', sa(), { auth: zed.auth, body: { username: 'nope-bot' } })).statusCode, 404);
      assert.equal((await p.req('POST', sa(), { auth: adam.auth, body: { username: 'olga' } })).statusCode, 409, 'usernames are shared with people');
      assert.equal((await p.req('GET', sa(), { auth: mia.auth })).statusCode, 403);
      assert.deepEqual((await p.req('GET', sa(), { auth: olga.auth })).json().items.map((a: { username: string }) => a.username), ['ci-bot']);
      const signIn = await p.req('POST', '/api/v1/session', { body: { username: 'ci-bot', password: 'anything-at-all' } });
      assert.equal(signIn.statusCode, 401);
      assert.equal(signIn.json().code, 'invalid_credentials');
    });

    test('its tokens are limited to the org, and its notices go to the org admins', async () => {
      const before = smtp.mails.length;
      const res = await p.req('POST', sa('/ci-bot/tokens'), { auth: adam.auth, body: { name: 'deploy', scopes: ['code:read'], expiresInDays: 30 } });
      assert.equal(res.statusCode, 201, res.body);
      const { token, secret } = res.json();
      assert.deepEqual(token.orgs, ['acme']);
      assert.equal((await p.req('GET', '/auth/verify?org=acme&scope=code:read', { auth: { token: secret } })).statusCode, 200);
      assert.equal((await p.req('GET', '/auth/verify?org=other', { auth: { token: secret } })).statusCode, 403);
      const wide = await p.req('POST', sa('/ci-bot/tokens'), { auth: adam.auth, body: { name: 'x', scopes: ['code:read'], orgs: '*' } });
      assert.equal(wide.statusCode, 400, 'no orgs field: always the org');
      await p.notifications.outbox.drain();
      const mails = smtp.mails.slice(before);
      assert.equal(mails.length, 1);
      assert.deepEqual(mails[0]?.to.sort(), ['adam@example.test', 'olga@example.test'], 'owner and admins, not members');
      assert.match(mails[0]?.text ?? '', /service account ci-bot of org acme/);
      assert.match(mails[0]?.text ?? '', /https:\/\/patd\.example\.test\/orgs\/acme\/service-accounts\/ci-bot/);
      assert.ok(!mails[0]?.raw.includes(secret));
    });

    test('admins list, regenerate and revoke its tokens; members and other orgs cannot', async () => {
      const t = await p.req('POST', sa('/ci-bot/tokens'), { auth: olga.auth, body: { name: 'rotating', scopes: ['code:read'] } });
      const { id } = t.json().token;
      const old = t.json().secret;
      const list = await p.req('GET', sa('/ci-bot/tokens'), { auth: adam.auth });
      assert.ok(list.json().items.some((x: { id: string }) => x.id === id));
      assert.equal((await p.req('GET', sa('/ci-bot/tokens'), { auth: mia.auth })).statusCode, 403);
      assert.equal((await p.req('POST', sa(`/ci-bot/tokens/${id}/regenerate`), { auth: zed.auth })).statusCode, 404);
      const regen = await p.req('POST', sa(`/ci-bot/tokens/${id}/regenerate`), { auth: adam.auth });
      assert.equal(regen.statusCode, 200, regen.body);
      const fresh = regen.json().secret;
      assert.equal((await p.req('GET', '/auth/verify', { auth: { token: old } })).json().code, 'token_rotated');
      assert.equal((await p.req('GET', '/auth/verify', { auth: { token: fresh } })).statusCode, 200);
      // A person's token is not reachable through the service-account routes.
      const mine = await createToken(p, mia.auth, { name: 'mine', scopes: ['code:read'] });
      assert.equal((await p.req('DELETE', sa(`/ci-bot/tokens/${mine.id}`), { auth: adam.auth })).statusCode, 404);
      assert.equal((await p.req('DELETE', sa(`/ci-bot/tokens/${id}`), { auth: adam.auth })).statusCode, 204);
      assert.equal((await p.req('GET', '/auth/verify', { auth: { token: fresh } })).json().code, 'token_revoked');
    });

    test('it survives the admin who created it leaving', async () => {
      const t = await p.req('POST', sa('/ci-bot/tokens'), { auth: adam.auth, body: { name: 'survivor', scopes: ['code:read'] } });
      assert.equal((await p.req('DELETE', '/api/v1/orgs/acme/members/adam', { auth: olga.auth })).statusCode, 204);
      assert.equal((await p.req('GET', '/auth/verify?org=acme', { auth: { token: t.json().secret } })).statusCode, 200);
      assert.equal((await p.req('GET', sa(), { auth: adam.auth })).statusCode, 404, 'the former admin no longer sees it');
      assert.equal((await p.req('PUT', '/api/v1/orgs/acme/members/adam', { auth: admin, body: { role: 'admin' } })).statusCode, 200);
    });

    test('it belongs to its org only: it cannot be added elsewhere or removed as a member', async () => {
      const put = await p.req('PUT', '/api/v1/orgs/other/members/ci-bot', { auth: admin, body: { role: 'member' } });
      assert.equal(put.statusCode, 409);
      assert.equal((await p.req('DELETE', '/api/v1/orgs/acme/members/ci-bot', { auth: olga.auth })).statusCode, 409);
    });

    test("an org admin's PAT may manage them, never past its own reach", async () => {
      const limited = await createToken(p, olga.auth, { name: 'acme only', scopes: ['tokens:manage', 'orgs:read', 'code:read'], orgs: ['acme'] });
      const ok = await p.req('POST', sa('/ci-bot/tokens'), { auth: { token: limited.secret }, body: { name: 'via pat', scopes: ['code:read'], expiresInDays: 7 } });
      assert.equal(ok.statusCode, 201, ok.body);
      const wider = await p.req('POST', sa('/ci-bot/tokens'), { auth: { token: limited.secret }, body: { name: 'too much', scopes: ['code:write'] } });
      assert.equal(wider.json().code, 'beyond_token');
    });

    test('deleting it revokes every token at once and it is gone', async () => {
      const a = await p.req('POST', sa('/ci-bot/tokens'), { auth: adam.auth, body: { name: 'a', scopes: ['code:read'] } });
      const b = await p.req('POST', sa('/ci-bot/tokens'), { auth: adam.auth, body: { name: 'b', scopes: ['code:read'] } });
      for (const t of [a, b]) assert.equal((await p.req('GET', '/auth/verify', { auth: { token: t.json().secret } })).statusCode, 200);
      assert.equal((await p.req('DELETE', sa('/ci-bot'), { auth: mia.auth })).statusCode, 403);
      assert.equal((await p.req('DELETE', sa('/ci-bot'), { auth: adam.auth })).statusCode, 204);
      for (const t of [a, b]) assert.equal((await p.req('GET', '/auth/verify', { auth: { token: t.json().secret } })).json().code, 'token_revoked');
      assert.equal((await p.req('GET', sa('/ci-bot'), { auth: adam.auth })).statusCode, 404);
      assert.deepEqual((await p.req('GET', sa(), { auth: adam.auth })).json().items, []);
      assert.equal((await p.req('DELETE', sa('/ci-bot'), { auth: adam.auth })).statusCode, 404);
      const audit = (await p.req('GET', '/api/v1/orgs/acme/audit', { auth: olga.auth })).json().items.map((e: { action: string }) => e.action);
      assert.ok(audit.includes('service_account.created') && audit.includes('service_account.deleted'), audit.join(','));
      assert.equal((await p.req('POST', sa(), { auth: adam.auth, body: { username: 'ci-bot' } })).statusCode, 409, 'the name stays taken');
    });
  });
}
