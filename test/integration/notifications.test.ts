import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DAY_MS } from '../../src/core/clock.js';
import { dialects } from '../helpers/db.js';
import { ADMIN_PASSWORD, type Auth, addUser, createToken, startTestPatd, type TestPatd } from '../helpers/harness.js';
import { type SmtpListener, startSmtp } from '../helpers/smtp.js';

const FAST = { outbox: { pollMs: 50, backoffMs: 1_000, maxBackoffMs: 8_000, maxAttempts: 3 } };

for (const dialect of await dialects()) {
  describe(`notification mail (${dialect})`, () => {
    let smtp: SmtpListener;
    let p: TestPatd;
    let admin: Auth;
    let alice: { id: string; auth: Auth };
    before(async () => {
      smtp = await startSmtp();
      p = await startTestPatd(dialect, {
        env: { PATD_SMTP_URL: smtp.url, PATD_PUBLIC_URL: 'https://patd.example.test', PATD_EXPIRY_WARNING_DAYS: '30,7,1', PATD_MAIL_FROM: 'patd <noreply@example.test>' },
        overrides: { notifications: FAST },
      });
      admin = await p.signIn('admin', ADMIN_PASSWORD);
      alice = await addUser(p, admin, 'alice');
      assert.equal((await p.req('POST', '/api/v1/orgs', { auth: admin, body: { name: 'acme' } })).statusCode, 201);
      assert.equal((await p.req('PUT', '/api/v1/orgs/acme/members/alice', { auth: admin, body: { role: 'member' } })).statusCode, 200);
    });
    after(async () => {
      await p.stop();
      await smtp.close();
    });
    const drain = () => p.notifications.outbox.drain();
    const fresh = async (fn: () => Promise<unknown>) => {
      const before = smtp.mails.length;
      await fn();
      await drain();
      return smtp.mails.slice(before);
    };

    test('creation: one mail to the owner with the facts, a revoke link, escaped HTML and never the secret', async () => {
      let secret = '';
      let id = '';
      const mails = await fresh(async () => {
        const res = await p.req('POST', '/api/v1/tokens', {
          auth: alice.auth, headers: { 'user-agent': 'curl/8.0 <evil>' },
          body: { name: 'deploy <b>&"x"', scopes: ['code:read', 'packaging:read'], orgs: ['acme'], expiresInDays: 60 },
        });
        assert.equal(res.statusCode, 201);
        secret = res.json().secret;
        id = res.json().token.id;
      });
      assert.equal(mails.length, 1);
      const m = mails[0]!;
      assert.deepEqual(m.to, ['alice@example.test']);
      assert.match(m.from, /noreply@example\.test/);
      assert.match(m.subject, /created/);
      assert.match(m.subject, /deploy <b>&"x"/);
      const hint = (await p.req('GET', `/api/v1/tokens/${id}`, { auth: alice.auth })).json().hint as string;
      for (const s of ['deploy <b>&"x"', hint, 'acme', 'code:read, packaging:read', new Date(p.clock.now() + 60 * DAY_MS).toISOString(), 'web', '127.0.0.1', 'curl/8.0 <evil>', `https://patd.example.test/tokens/${id}`]) {
        assert.ok(m.text.includes(s), `text has ${s}:\n${m.text}`);
      }
      assert.ok(m.html.includes('deploy &#60;b&#62;&#38;&#34;x&#34;'), m.html);
      assert.ok(!m.html.includes('<b>') && !m.html.includes('<evil>'));
      assert.ok(!m.raw.includes(secret) && !m.raw.includes(secret.slice(5, 30)), 'no secret in the mail');
      assert.equal(m.messageId.includes('msg_'), true);
      // Delivered once: draining again sends nothing.
      assert.equal((await fresh(async () => {})).length, 0);
    });

    test('regeneration mails again; revocation by the owner does not; by an admin it does, with who and why', async () => {
      const t = await createToken(p, alice.auth, { name: 'ci', scopes: ['code:read'], orgs: ['acme'] });
      await drain();
      const regen = await fresh(() => p.req('POST', `/api/v1/tokens/${t.id}/regenerate`, { auth: alice.auth, body: {} }));
      assert.equal(regen.length, 1);
      assert.match(regen[0]!.subject, /regenerated/);
      const own = await createToken(p, alice.auth, { name: 'mine', scopes: ['code:read'], orgs: ['acme'] });
      await drain();
      assert.equal((await fresh(() => p.req('DELETE', `/api/v1/tokens/${own.id}`, { auth: alice.auth }))).length, 0);
      const byAdmin = await fresh(() => p.req('DELETE', `/api/v1/orgs/acme/tokens/${t.id}`, { auth: admin }));
      assert.equal(byAdmin.length, 1);
      assert.match(byAdmin[0]!.subject, /revoked by admin/);
      assert.match(byAdmin[0]!.text, /revoked by an admin of org "acme"/);
    });

    test('expiry warnings at each lead, none for a lead longer than the lifetime, renewal re-arms', async () => {
      const t0 = p.clock.now();
      const a = await createToken(p, alice.auth, { name: 'long', scopes: ['code:read'], orgs: ['acme'], expiresInDays: 60 });
      const b = await createToken(p, alice.auth, { name: 'short', scopes: ['code:read'], orgs: ['acme'], expiresAt: new Date(t0 + 5 * DAY_MS).toISOString().replace(/\.\d+Z$/, 'Z') });
      const c = await createToken(p, alice.auth, { name: 'week', scopes: ['code:read'], orgs: ['acme'], expiresInDays: 7 });
      await drain();
      const scan = async (at: number) => {
        p.clock.set(at);
        await p.notifications.scanner.runOnce();
        await drain();
      };
      const warnings = () => smtp.mails.filter((m) => /token (long|short|week) expires in/.test(m.subject));
      const start = warnings().length;
      await scan(t0 + 60_000);
      assert.equal(warnings().length - start, 0, 'nothing is due yet');
      await scan(t0 + 4 * DAY_MS + 60_000);
      let w = warnings().slice(start);
      assert.deepEqual(w.map((m) => m.subject), ['patd: your personal access token short expires in 1 day']);
      assert.ok(w[0]!.text.includes(`https://patd.example.test/tokens/${b.id}`) && /renew/i.test(w[0]!.text));
      await scan(t0 + 6 * DAY_MS + 60_000);
      await scan(t0 + 6 * DAY_MS + 120_000);
      w = warnings().slice(start);
      assert.deepEqual(w.map((m) => m.subject).slice(1), ['patd: your personal access token week expires in 1 day'], 'a 7-day token gets only the 1-day warning, once');
      await scan(t0 + 30 * DAY_MS + 60_000);
      await scan(t0 + 30 * DAY_MS + 120_000);
      w = warnings().slice(start);
      assert.deepEqual(w.map((m) => m.subject).slice(2), ['patd: your personal access token long expires in 30 days']);
      // Renew: the warning for the new expiry is sent again.
      const renewed = await p.req('PATCH', `/api/v1/tokens/${a.id}`, { auth: alice.auth, body: { expiresInDays: 60 } });
      assert.equal(renewed.statusCode, 200, renewed.body);
      await drain();
      await scan(t0 + 60 * DAY_MS + 3 * 60_000);
      w = warnings().slice(start);
      assert.deepEqual(w.map((m) => m.subject).slice(3), ['patd: your personal access token long expires in 30 days']);
      const all = (await p.req('GET', '/api/v1/me/audit?action=token.expired_notice', { auth: alice.auth })).json().items;
      const events = all.filter((e: { target: { id: string } }) => [a.id, b.id, c.id].includes(e.target.id));
      assert.equal(events.length, 4);
      assert.ok(events.every((e: { actor: { type: string } }) => e.actor.type === 'system'));
    });

    test('an SMTP server that refuses for a while: retried with backoff, then delivered once; a message that keeps failing ends failed and admins see it', async () => {
      smtp.refuse(2);
      const before = smtp.mails.length;
      await createToken(p, alice.auth, { name: 'retry-me', scopes: ['code:read'], orgs: ['acme'] });
      await drain();
      assert.equal(smtp.mails.length, before);
      await drain();
      assert.equal(smtp.mails.length, before, 'not again before the backoff has passed');
      p.clock.advance(1_000);
      await drain();
      p.clock.advance(2_000);
      await drain();
      assert.equal(smtp.mails.length, before + 1);
      assert.match(smtp.mails.at(-1)!.subject, /retry-me/);

      smtp.refuse(100);
      await createToken(p, alice.auth, { name: 'doomed', scopes: ['code:read'], orgs: ['acme'] });
      for (let i = 0; i < 4; i++) {
        await drain();
        p.clock.advance(10_000);
      }
      smtp.refuse(0);
      const failed = await p.req('GET', '/api/v1/admin/outbox?status=failed', { auth: admin });
      assert.equal(failed.statusCode, 200);
      const items = failed.json().items as { id: string; attempts: number; lastError: string; to: string[] }[];
      assert.equal(items.length, 1);
      assert.equal(items[0]!.attempts, 3);
      assert.match(items[0]!.lastError, /451|try again/);
      assert.equal((await p.req('GET', '/api/v1/admin/outbox?status=failed', { auth: alice.auth })).statusCode, 403);
      assert.equal((await p.req('POST', `/api/v1/admin/outbox/${items[0]!.id}/retry`, { auth: admin })).statusCode, 202);
      await drain();
      assert.match(smtp.mails.at(-1)!.subject, /doomed/);
    });

    test('the running worker sends a new message by itself, woken by the commit', async () => {
      p.notifications.outbox.start();
      try {
        const before = smtp.mails.length;
        await createToken(p, alice.auth, { name: 'prompt', scopes: ['code:read'], orgs: ['acme'] });
        // Liveness, not speed: nothing drains the outbox here but the running worker.
        const mails = await smtp.waitFor(before + 1, 15_000);
        assert.match(mails.at(-1)!.subject, /prompt/);
      } finally {
        await p.notifications.outbox.stop();
      }
    });
  });

  describe(`mail without SMTP, and an SMTP outage (${dialect})`, () => {
    test('without PATD_SMTP_URL each message is an .eml file under PATD_DATA_DIR/mail and the log says where', async () => {
      const p = await startTestPatd(dialect, { overrides: { notifications: FAST } });
      try {
        const admin = await p.signIn('admin', ADMIN_PASSWORD);
        const t = await createToken(p, admin, { name: 'filed', scopes: ['profile:read'] });
        await p.notifications.outbox.drain();
        const dir = join(p.db.dataDir, 'mail');
        assert.ok(existsSync(dir));
        const files = readdirSync(dir).filter((f) => f.endsWith('.eml'));
        assert.equal(files.length, 1);
        const eml = readFileSync(join(dir, files[0]!), 'utf8');
        assert.match(eml, /Subject: .*created/);
        assert.match(eml, /To: admin@example\.test/);
        assert.ok(!eml.includes(t.secret));
        assert.ok(p.logs.some((l) => l.includes('mail written to file') && l.includes(files[0]!)));
      } finally {
        await p.stop();
      }
    });

    test('a mail server that accepts and never answers slows no API call and holds up no shutdown', { timeout: 60_000 }, async () => {
      const sockets: Socket[] = [];
      const hole: Server = createServer((s) => sockets.push(s));
      await new Promise<void>((r) => hole.listen(0, '127.0.0.1', r));
      const port = (hole.address() as { port: number }).port;
      // The mail timeout is far longer than the test: an API call that waited for mail would hang here.
      const p = await startTestPatd(dialect, { env: { PATD_SMTP_URL: `smtp://127.0.0.1:${port}` }, overrides: { notifications: { outbox: { ...FAST.outbox, stopGraceMs: 200 }, mailTimeoutMs: 600_000 } } });
      try {
        p.notifications.outbox.start();
        const admin = await p.signIn('admin', ADMIN_PASSWORD);
        for (let i = 0; i < 3; i++) {
          const res = await p.req('POST', '/api/v1/tokens', { auth: admin, body: { name: `t${i}`, scopes: ['profile:read'] } });
          assert.equal(res.statusCode, 201);
        }
        // Every creation answered while its mail is still undelivered (the server never replied).
        const queued = (await p.req('GET', '/api/v1/admin/outbox?limit=50', { auth: admin })).json().items as { kind: string; sentAt: string | null }[];
        const mails = queued.filter((m) => m.kind === 'mail');
        assert.ok(mails.length >= 3, JSON.stringify(queued));
        assert.ok(mails.every((m) => m.sentAt === null), 'no mail could have been sent');
        for (let i = 0; i < 500 && sockets.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
        assert.ok(sockets.length >= 1, 'the worker did try the mail server');
        // Stopping gives the stuck deliveries their grace period, then aborts them.
        await p.stop();
        assert.ok(p.logs.some((l) => l.includes('aborting deliveries still in flight')), 'the stuck deliveries were aborted');
      } finally {
        await p.stop();
        for (const s of sockets) s.destroy();
        hole.close();
      }
    });
  });
}
