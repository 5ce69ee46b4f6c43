import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, LookupFunction } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createServer as createTlsServer } from 'node:tls';
import { dialects } from '../helpers/db.js';
import { ADMIN_PASSWORD, type Auth, createToken, startTestPatd, type TestPatd } from '../helpers/harness.js';
import { startSibling } from '../helpers/sibling.js';

const PUBLIC = '93.184.215.14';

/**
 * The one fake: there is no DNS server here, so names resolve from this table (what a
 * rebinding attacker's DNS server would answer at that moment); anything else goes to
 * dns.lookup (/etc/hosts: localhost). Connections are made for real, to what it answers.
 */
function fakeDns() {
  const names = new Map<string, string[]>();
  const resolver = ((hostname: string, options: { all?: boolean }, cb: (err: Error | null, a: string | LookupAddress[], f?: number) => void) => {
    const list = names.get(hostname);
    if (!list) return dnsLookup(hostname, options as never, cb as never);
    const all = list.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
    if (options.all) return process.nextTick(() => cb(null, all));
    const first = all[0] as LookupAddress;
    process.nextTick(() => cb(null, first.address, first.family));
  }) as LookupFunction;
  return { names, resolver };
}

/** A receiver on loopback that counts what reaches it. */
async function receiver(answer: (res: import('node:http').ServerResponse) => void = (res) => res.writeHead(204).end()) {
  const got: { url: string; headers: Record<string, unknown> }[] = [];
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      got.push({ url: req.url ?? '', headers: req.headers });
      answer(res);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as AddressInfo).port, got, close: () => new Promise((r) => server.close(r)) };
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

type Delivery = { ok: boolean; statusCode: number | null; error: string | null };

for (const dialect of await dialects()) {
  describe(`webhooks reach public addresses only (${dialect})`, () => {
    let p: TestPatd;
    let admin: Auth;
    const dns = fakeDns();
    before(async () => {
      p = await startTestPatd(dialect, { overrides: { webhookResolver: dns.resolver, notifications: { outbox: { pollMs: 50, backoffMs: 60_000, maxAttempts: 3 } } } });
      admin = await p.signIn('admin', ADMIN_PASSWORD);
      await p.req('POST', '/api/v1/orgs', { auth: admin, body: { name: 'acme' } });
    });
    after(() => p.stop());

    const deliveries = async (id: string): Promise<Delivery[]> => (await p.req('GET', `/api/v1/webhooks/${id}/deliveries`, { auth: admin })).json().items;

    test('registration refuses loopback, private, CGNAT, link-local (metadata), unique-local, unspecified, multicast, broadcast and mapped forms', async () => {
      dns.names.set('internal.example', ['10.1.2.3']);
      dns.names.set('metadata.example', ['169.254.169.254']);
      dns.names.set('mixed.example', [PUBLIC, '127.0.0.1']);
      dns.names.set('v6.example', ['2606:4700::1111', 'fd00::1']);
      dns.names.set('public.example', [PUBLIC]);
      const refused = [
        'http://127.0.0.1:8080/hook', 'http://127.9.9.9/', 'http://localhost:8080/', 'http://2130706433/', 'http://0x7f.1/',
        'http://169.254.169.254/latest/meta-data/', 'http://[fe80::1]/', 'http://10.0.0.5/', 'http://172.16.3.4/', 'http://192.168.1.1/',
        'http://100.64.0.1/', 'http://[::1]:8080/', 'http://[fc00::1]/', 'http://[fd12:3456::1]/', 'http://0.0.0.0:8080/', 'http://[::]/',
        'http://224.0.0.1/', 'http://255.255.255.255/', 'http://[::ffff:127.0.0.1]/', 'http://[::ffff:169.254.169.254]/', 'http://[::ffff:10.0.0.1]/',
        'https://internal.example/', 'https://metadata.example/', 'https://mixed.example/', 'https://v6.example/',
      ];
      for (const url of refused) {
        for (const path of ['/api/v1/webhooks', '/api/v1/orgs/acme/webhooks']) {
          const res = await p.req('POST', path, { auth: admin, body: { url } });
          assert.equal(res.statusCode, 400, `${path} ${url}: ${res.body}`);
          assert.equal(res.json().code, 'validation_failed');
          assert.equal(res.json().field, 'url');
          assert.doesNotMatch(res.json().detail, /10\.1\.2\.3|169\.254|127\.0\.0\.1|fd00/, 'the answer does not say what a name resolves to');
        }
      }
      const ok = await p.req('POST', '/api/v1/webhooks', { auth: admin, body: { url: 'https://public.example/hook' } });
      assert.equal(ok.statusCode, 201, ok.body);
      // A name that does not resolve now is accepted: every delivery checks again.
      const later = await p.req('POST', '/api/v1/orgs/acme/webhooks', { auth: admin, body: { url: 'https://not-yet.invalid/hook' } });
      assert.equal(later.statusCode, 201, later.body);
      for (const [path, id] of [['/api/v1/webhooks', ok.json().webhook.id], ['/api/v1/orgs/acme/webhooks', later.json().webhook.id]]) {
        assert.equal((await p.req('DELETE', `${path}/${id}`, { auth: admin })).statusCode, 204);
      }
    });

    test('DNS rebinding: a name that was public at registration and is loopback now is refused when connecting; the log does not tell an open port from a closed one', async () => {
      const rx = await receiver();
      const closed = await closedPort();
      try {
        dns.names.set('rebind-open.example', [PUBLIC]);
        dns.names.set('rebind-closed.example', [PUBLIC]);
        const open = await p.req('POST', '/api/v1/webhooks', { auth: admin, body: { url: `http://rebind-open.example:${rx.port}/hook` } });
        const shut = await p.req('POST', '/api/v1/webhooks', { auth: admin, body: { url: `http://rebind-closed.example:${closed}/hook` } });
        assert.equal(open.statusCode, 201, open.body);
        assert.equal(shut.statusCode, 201, shut.body);
        dns.names.set('rebind-open.example', ['127.0.0.1']);
        dns.names.set('rebind-closed.example', ['127.0.0.1']);
        await createToken(p, admin, { name: 'rebound', scopes: ['profile:read'] });
        await p.notifications.outbox.drain();
        assert.equal(rx.got.length, 0, 'nothing reached the loopback listener');
        const a = await deliveries(open.json().webhook.id);
        const b = await deliveries(shut.json().webhook.id);
        assert.equal(a.length, 1);
        assert.equal(b.length, 1);
        for (const d of [...a, ...b]) {
          assert.equal(d.ok, false);
          assert.equal(d.statusCode, null);
          assert.match(d.error ?? '', /^refused/);
          assert.doesNotMatch(d.error ?? '', /127\.0\.0\.1|ECONNREFUSED|\d{4,5}/);
        }
        assert.equal(a[0]?.error, b[0]?.error, 'an open and a closed port look the same');
        for (const id of [open.json().webhook.id, shut.json().webhook.id]) await p.req('DELETE', `/api/v1/webhooks/${id}`, { auth: admin });
      } finally {
        await rx.close();
      }
    });

    test('a loopback URL stored while private addresses were allowed is refused by an instance that does not allow them', async () => {
      const rx = await receiver();
      const closed = await closedPort();
      const q = await startSibling(p, { PATD_WEBHOOK_ALLOW_PRIVATE: 'true' });
      try {
        const s = await q.app.inject({ method: 'POST', url: '/api/v1/session', payload: { username: 'admin', password: ADMIN_PASSWORD } });
        const headers = { cookie: `patd_session=${s.cookies.find((c) => c.name === 'patd_session')?.value}`, 'x-csrf-token': s.json().csrfToken };
        const ids: string[] = [];
        for (const port of [rx.port, closed]) {
          const res = await q.app.inject({ method: 'POST', url: '/api/v1/webhooks', headers, payload: { url: `http://127.0.0.1:${port}/hook` } });
          assert.equal(res.statusCode, 201, res.body);
          ids.push(res.json().webhook.id);
        }
        await createToken(p, admin, { name: 'scanned', scopes: ['profile:read'] });
        await p.notifications.outbox.drain();
        assert.equal(rx.got.length, 0);
        const [a, b] = await Promise.all(ids.map((id) => deliveries(id)));
        assert.match(a?.[0]?.error ?? '', /^refused/);
        assert.equal(a?.[0]?.error, b?.[0]?.error);
        assert.equal(a?.[0]?.statusCode, null);
        for (const id of ids) await p.req('DELETE', `/api/v1/webhooks/${id}`, { auth: admin });
      } finally {
        await q.close();
        await rx.close();
      }
    });
  });

  describe(`PATD_WEBHOOK_ALLOW_PRIVATE=true (${dialect})`, () => {
    let p: TestPatd;
    let admin: Auth;
    const dns = fakeDns();
    before(async () => {
      p = await startTestPatd(dialect, {
        env: { PATD_WEBHOOK_ALLOW_PRIVATE: 'true' },
        overrides: { webhookResolver: dns.resolver, notifications: { outbox: { pollMs: 50, backoffMs: 60_000, maxAttempts: 3 } } },
      });
      admin = await p.signIn('admin', ADMIN_PASSWORD);
    });
    after(() => p.stop());

    test('delivers to a loopback listener; redirects are not followed; https keeps the host name for SNI and the certificate', async () => {
      const rx = await receiver();
      const redirector = await receiver((res) => res.writeHead(302, { location: `http://127.0.0.1:${rx.port}/hook?redirected` }).end());
      const dir = mkdtempSync(join(tmpdir(), 'patd-tls-'));
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=hooks.example', '-days', '1',
        '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
      const names: string[] = [];
      // Records the name in each ClientHello (whether or not the handshake then succeeds).
      const tlsWithSni = createTlsServer({
        SNICallback: (name, cb) => {
          names.push(name);
          cb(null, null as never);
        },
        key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')),
      });
      tlsWithSni.on('tlsClientError', () => {});
      await new Promise<void>((r) => tlsWithSni.listen(0, '127.0.0.1', r));
      dns.names.set('hooks.example', ['127.0.0.1']);
      try {
        const hooks = [];
        for (const url of [`http://127.0.0.1:${rx.port}/hook`, `http://localhost:${redirector.port}/moved`, `https://hooks.example:${(tlsWithSni.address() as AddressInfo).port}/hook`]) {
          const res = await p.req('POST', '/api/v1/webhooks', { auth: admin, body: { url } });
          assert.equal(res.statusCode, 201, `${url}: ${res.body}`);
          hooks.push(res.json().webhook.id as string);
        }
        await createToken(p, admin, { name: 'delivered', scopes: ['profile:read'] });
        await p.notifications.outbox.drain();
        assert.equal(rx.got.length, 1, 'delivered once, and the redirect was not followed');
        assert.equal(rx.got[0]?.url, '/hook');
        assert.match(String(rx.got[0]?.headers['webhook-signature']), /^v1,/);
        const [direct, moved, secure] = await Promise.all(hooks.map(async (id) => (await p.req('GET', `/api/v1/webhooks/${id}/deliveries`, { auth: admin })).json().items[0] as Delivery));
        assert.deepEqual([direct?.ok, direct?.statusCode], [true, 204]);
        assert.deepEqual([moved?.ok, moved?.statusCode, moved?.error], [false, 302, 'HTTP 302']);
        assert.equal(redirector.got.length, 1);
        assert.deepEqual(names, ['hooks.example'], 'SNI carries the URL\'s host name, not the address');
        assert.equal(secure?.ok, false, 'the self-signed certificate is not trusted');
        assert.doesNotMatch(secure?.error ?? '', /^refused/);
      } finally {
        await rx.close();
        await redirector.close();
        await new Promise((r) => tlsWithSni.close(r));
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}
