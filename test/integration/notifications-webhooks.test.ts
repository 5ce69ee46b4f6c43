import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { dialects } from '../helpers/db.js';
import { ADMIN_PASSWORD, type Auth, addUser, createToken, startTestPatd, type TestPatd } from '../helpers/harness.js';
import { type SmtpListener, startSmtp } from '../helpers/smtp.js';

interface Received { headers: Record<string, string>; body: string; valid: boolean; secretIdx: number }

/** A receiver that checks Standard Webhooks signatures and answers 500 to the first `failFirst` attempts. */
async function receiver(secrets: string[], failFirst: number) {
  const got: Received[] = [];
  let attempts = 0;
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      attempts++;
      const h = req.headers as Record<string, string>;
      const idx = secrets.findIndex((s) => {
        const key = Buffer.from(s.replace(/^whsec_/, ''), 'base64');
        const sig = createHmac('sha256', key).update(`${h['webhook-id']}.${h['webhook-timestamp']}.${body}`).digest('base64');
        return (h['webhook-signature'] ?? '').split(' ').includes(`v1,${sig}`);
      });
      if (attempts <= failFirst) {
        res.writeHead(500).end();
        return;
      }
      got.push({ headers: h, body, valid: idx >= 0, secretIdx: idx });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`, got, attempts: () => attempts, close: () => new Promise((r) => server.close(r)) };
}

for (const dialect of await dialects()) {
  describe(`webhooks and leak reports (${dialect})`, () => {
    let p: TestPatd;
    let smtp: SmtpListener;
    let admin: Auth;
    let bob: { id: string; auth: Auth };
    let carol: { id: string; auth: Auth };
    before(async () => {
      smtp = await startSmtp();
      // The receivers listen on loopback: allowed here (docs/security.md; test/integration/webhook-ssrf.test.ts checks the refusals).
      p = await startTestPatd(dialect, {
        env: { PATD_SMTP_URL: smtp.url, PATD_WEBHOOK_ALLOW_PRIVATE: 'true', PATD_LIMIT_LEAK_REPORTS: '5/1m' },
        overrides: { notifications: { outbox: { pollMs: 50, backoffMs: 1_000, maxAttempts: 5 } } },
      });
      admin = await p.signIn('admin', ADMIN_PASSWORD);
      bob = await addUser(p, admin, 'bob');
      carol = await addUser(p, admin, 'carol');
      await p.req('POST', '/api/v1/orgs', { auth: bob.auth, body: { name: 'bobs' } });
      await p.req('POST', '/api/v1/orgs', { auth: carol.auth, body: { name: 'carols' } });
    });
    after(async () => {
      await p.stop();
      await smtp.close();
    });
    const drain = () => p.notifications.outbox.drain();

    test('registration: http(s) only, secret shown once, org admins only for their org', async () => {
      const bad = await p.req('POST', '/api/v1/webhooks', { auth: admin, body: { url: 'ftp://example.test/x' } });
      assert.equal(bad.statusCode, 400);
      assert.equal(bad.json().field, 'url');
      assert.equal((await p.req('POST', '/api/v1/webhooks', { auth: admin, body: { url: 'javascript:alert(1)' } })).statusCode, 400);
      assert.equal((await p.req('POST', '/api/v1/webhooks', { auth: admin, body: { url: 'https://x.test/', events: ['token.nope'] } })).statusCode, 400);
      assert.equal((await p.req('POST', '/api/v1/webhooks', { auth: bob.auth, body: { url: 'https://x.test/' } })).statusCode, 403);
      assert.equal((await p.req('POST', '/api/v1/orgs/carols/webhooks', { auth: bob.auth, body: { url: 'https://x.test/' } })).statusCode, 404);
      const ok = await p.req('POST', '/api/v1/orgs/bobs/webhooks', { auth: bob.auth, body: { url: 'https://x.test/' } });
      assert.equal(ok.statusCode, 201);
      assert.match(ok.json().secret, /^whsec_[A-Za-z0-9+/=]{32}$/);
      const list = await p.req('GET', '/api/v1/orgs/bobs/webhooks', { auth: bob.auth });
      assert.equal(list.json().items.length, 1);
      assert.ok(!list.body.includes(ok.json().secret), 'never returned again');
      assert.equal((await p.req('GET', `/api/v1/orgs/carols/webhooks/${ok.json().webhook.id}/deliveries`, { auth: carol.auth })).statusCode, 404);
      assert.equal((await p.req('DELETE', `/api/v1/orgs/bobs/webhooks/${ok.json().webhook.id}`, { auth: bob.auth })).statusCode, 204);
    });

    test('signed deliveries with retries and a readable log; an org webhook gets only its tokens; leak reports revoke and notify', async () => {
      const inst = await p.req('POST', '/api/v1/webhooks', { auth: admin, body: { url: 'http://placeholder.invalid/' } });
      const rx = await receiver([], 2);
      // Re-register with the receiver's URL, now that the secret is known to it.
      await p.req('DELETE', `/api/v1/webhooks/${inst.json().webhook.id}`, { auth: admin });
      const hook = await p.req('POST', '/api/v1/webhooks', { auth: admin, body: { url: rx.url, events: ['token.created', 'token.leaked', 'token.revoked'] } });
      const orgRx = await receiver([], 0);
      const orgHook = await p.req('POST', '/api/v1/orgs/bobs/webhooks', { auth: bob.auth, body: { url: orgRx.url } });
      const secrets = [hook.json().secret as string, orgHook.json().secret as string];
      // the receivers learn their secrets (checked after the fact)
      try {
        const t = await createToken(p, bob.auth, { name: 'hooked', scopes: ['code:read'], orgs: ['bobs'] });
        await createToken(p, carol.auth, { name: 'elsewhere', scopes: ['code:read'], orgs: ['carols'] });
        await drain();
        assert.equal(rx.got.length, 0, 'the first attempts failed');
        p.clock.advance(1_000);
        await drain();
        p.clock.advance(2_000);
        await drain();
        const check = (r: Received, secret: string) => {
          const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
          const sig = createHmac('sha256', key).update(`${r.headers['webhook-id']}.${r.headers['webhook-timestamp']}.${r.body}`).digest('base64');
          return r.headers['webhook-signature'] === `v1,${sig}`;
        };
        assert.equal(rx.got.length, 2);
        assert.ok(rx.got.every((r) => check(r, secrets[0]!)), 'signatures verify');
        assert.deepEqual(rx.got.map((r) => JSON.parse(r.body).type), ['token.created', 'token.created']);
        assert.match(rx.got[0]!.headers['webhook-id']!, /^msg_/);
        assert.equal(orgRx.got.length, 1, 'the org webhook only sees tokens usable in its org');
        assert.ok(check(orgRx.got[0]!, secrets[1]!));
        const ev = JSON.parse(orgRx.got[0]!.body);
        assert.equal(ev.data.token.id, t.id);
        assert.equal(ev.data.token.name, 'hooked');
        assert.ok(!orgRx.got[0]!.body.includes(t.secret));

        const log = await p.req('GET', `/api/v1/webhooks/${hook.json().webhook.id}/deliveries`, { auth: admin });
        assert.equal(log.statusCode, 200);
        const items = log.json().items as { ok: boolean; statusCode: number; attempt: number }[];
        assert.equal(items.filter((d) => !d.ok).length, 2);
        assert.equal(items.filter((d) => d.ok).length, 2);
        assert.ok(items.some((d) => d.statusCode === 500));

        // A leak report: 202 whatever is sent; the real token is revoked, its owner mailed, webhooks told.
        const mailsBefore = smtp.mails.length;
        const res = await p.req('POST', '/api/v1/token-revocations', { body: { tokens: [t.secret, 'patd_not-a-real-token', 'hello'] } });
        assert.equal(res.statusCode, 202);
        assert.deepEqual(res.json(), {});
        assert.equal((await p.req('GET', '/api/v1/me', { auth: { token: t.secret } })).statusCode, 401);
        await drain();
        const leakMail = smtp.mails.slice(mailsBefore);
        assert.equal(leakMail.length, 1, 'one mail: the leak notice (no separate revocation mail)');
        assert.match(leakMail[0]!.subject, /reported as leaked and has been revoked/);
        assert.deepEqual(leakMail[0]!.to, ['bob@example.test']);
        const types = orgRx.got.map((r) => JSON.parse(r.body).type);
        assert.deepEqual(types.slice(1).sort(), ['token.leaked', 'token.revoked']);
        const audit = (await p.req('GET', '/api/v1/orgs/bobs/audit?action=token.leaked', { auth: bob.auth })).json().items;
        assert.equal(audit.length, 1);
        assert.equal(audit[0].details.revoked, true);
      } finally {
        await rx.close();
        await orgRx.close();
      }
    });

    test('autoRevokeLeaked: false only notifies; reports are rate limited per IP; more than 1000 is refused', async () => {
      assert.equal((await p.req('PUT', '/api/v1/orgs/carols/policy', { auth: carol.auth, body: { autoRevokeLeaked: false } })).statusCode, 200);
      const t = await createToken(p, carol.auth, { name: 'kept', scopes: ['profile:read'], orgs: ['carols'] });
      await drain();
      const before = smtp.mails.length;
      assert.equal((await p.req('POST', '/api/v1/token-revocations', { body: { tokens: [t.secret] }, headers: { 'x-forwarded-for': '1.2.3.4' } })).statusCode, 202);
      assert.equal((await p.req('GET', '/api/v1/me', { auth: { token: t.secret } })).statusCode, 200, 'still works');
      await drain();
      assert.match(smtp.mails.slice(before)[0]!.subject, /reported as leaked$/);
      const big = await p.req('POST', '/api/v1/token-revocations', { body: { tokens: Array.from({ length: 1001 }, () => 'x') } });
      assert.equal(big.statusCode, 400);
      let limited = 0;
      for (let i = 0; i < 8; i++) if ((await p.req('POST', '/api/v1/token-revocations', { body: { tokens: [] } })).statusCode === 429) limited++;
      assert.ok(limited > 0);
    });
  });
}
