import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { curl } from '../helpers/curl.js';
import { createTestDb, dialects, type TestDb } from '../helpers/db.js';
import { findNginx, freePort, type Nginx, startNginx } from '../helpers/nginx.js';
import { type ServeProcess, spawnServe, until } from '../helpers/serve-process.js';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin/patd');
const NGINX = findNginx();
const PASSWORD = 'nginx-admin-password-1';
const HOST = 'patd.example.test';

/** Replaces each `from` (found `times` times): the deploy file must keep the shape the docs describe. */
function adapt(file: string, swaps: [string, string, number?][]): string {
  let text = readFileSync(join(ROOT, 'deploy/nginx', file), 'utf8');
  for (const [from, to, times = 1] of swaps) {
    assert.equal(text.split(from).length - 1, times, `${file} has "${from}" ${times} time(s)`);
    text = text.replaceAll(from, to);
  }
  return text;
}

/** A self-signed certificate for HOST, as a stand-in for the operator's. */
async function certificate(dir: string): Promise<{ cert: string; key: string }> {
  const cert = join(dir, 'fullchain.pem');
  const key = join(dir, 'privkey.pem');
  await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', `/CN=${HOST}`, '-addext', `subjectAltName=DNS:${HOST}`, '-keyout', key, '-out', cert]);
  return { cert, key };
}

/** nginx -t on the configuration a running helper nginx uses. */
async function nginxTest(n: Nginx): Promise<string> {
  const { stderr } = await run(NGINX as string, ['-t', '-p', n.dir, '-c', join(n.dir, 'nginx.conf'), '-g', `pid ${n.dir}/t.pid;`]);
  return stderr;
}

describe('deploy/nginx/patd.conf in front of a real patd (TLS, PATD_TRUST_PROXY)', { skip: !NGINX }, () => {
  const tmp = mkdtempSync(join(tmpdir(), 'patd-deploy-nginx-'));
  let patd: ServeProcess;
  let nginx: Nginx;
  let tlsPort: number;
  let args: (path: string, ...more: string[]) => string[];
  before(async () => {
    const { cert, key } = await certificate(tmp);
    copyFileSync(join(ROOT, 'deploy/nginx/proxy.conf'), join(tmp, 'patd-proxy.conf'));
    patd = await spawnServe(BIN, ['serve'], {
      PATD_DATA_DIR: join(tmp, 'data'), PATD_DATABASE_URL: '', PATD_ADMIN_PASSWORD: PASSWORD, PATD_LOG_LEVEL: 'info',
      PATD_PUBLIC_URL: `https://${HOST}`, PATD_TRUST_PROXY: '127.0.0.1',
    });
    tlsPort = await freePort();
    const conf = adapt('patd.conf', [
      ['server 127.0.0.1:8080;', `server ${new URL(patd.url).host};`],
      ['listen 80;', 'listen 127.0.0.1:PORT;'],
      ['listen 443 ssl;', `listen 127.0.0.1:${tlsPort} ssl;`],
      ['/etc/letsencrypt/live/patd.example.com/fullchain.pem', cert],
      ['/etc/letsencrypt/live/patd.example.com/privkey.pem', key],
      ['include /etc/nginx/patd-proxy.conf;', `include ${join(tmp, 'patd-proxy.conf')};`],
    ]);
    nginx = await startNginx(NGINX as string, conf);
    // The client connects from 127.0.0.2: nginx (127.0.0.1) is the only proxy patd trusts.
    args = (path, ...more) => ['--interface', '127.0.0.2', '--cacert', cert, '--resolve', `${HOST}:${tlsPort}:127.0.0.1`, ...more, `https://${HOST}:${tlsPort}${path}`];
  });
  after(async () => {
    await nginx?.stop();
    await patd?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  test('nginx -t accepts it', async () => {
    assert.match(await nginxTest(nginx), /syntax is ok[\s\S]*test is successful/);
  });

  test('plain http is sent to https; TLS answers with HSTS; the health checks pass through', async () => {
    const r = await curl([`http://127.0.0.1:${nginx.port}/tokens?x=1`, '-H', `Host: ${HOST}`]);
    assert.equal(r.status, 301);
    assert.equal(r.headers.location, `https://${HOST}/tokens?x=1`);
    const ready = await curl(args('/readyz'));
    assert.equal(ready.status, 200);
    assert.match(ready.headers['strict-transport-security'] ?? '', /max-age=\d+/);
  });

  test('a sign-in through the proxy gets a Secure cookie and is audited with the client address, not the proxy', async () => {
    const s = await curl(args('/api/v1/session', '-H', 'content-type: application/json', '--data', JSON.stringify({ username: 'admin', password: PASSWORD })));
    assert.equal(s.status, 200, s.body);
    const cookie = s.headers['set-cookie'] ?? '';
    assert.match(cookie, /; Secure/);
    const audit = await curl(args('/api/v1/me/audit?action=session.created', '-H', `cookie: ${cookie.split(';')[0]}`));
    assert.equal(audit.status, 200, audit.body);
    assert.equal(audit.json().items[0]?.ip, '127.0.0.2');
    // A client cannot pick its address with its own X-Forwarded-For.
    const spoof = await curl(args('/api/v1/session', '-H', 'content-type: application/json', '-H', 'X-Forwarded-For: 10.9.9.9', '--data', JSON.stringify({ username: 'admin', password: PASSWORD })));
    const c2 = (spoof.headers['set-cookie'] ?? '').split(';')[0] ?? '';
    const a2 = await curl(args('/api/v1/me/audit?action=session.created', '-H', `cookie: ${c2}`));
    assert.equal(a2.json().items[0]?.ip, '127.0.0.2');
  });
});

for (const dialect of (await dialects()).filter((d) => d === 'postgres')) {
  describe(`deploy/nginx/compose.conf in front of two patd instances on one ${dialect} database`, { skip: !NGINX }, () => {
    const tmp = mkdtempSync(join(tmpdir(), 'patd-deploy-compose-'));
    let db: TestDb;
    const instances: ServeProcess[] = [];
    let nginx: Nginx;
    let args: (path: string, ...more: string[]) => string[];
    before(async () => {
      db = await createTestDb(dialect);
      mkdirSync(join(tmp, 'tls'));
      const { cert } = await certificate(join(tmp, 'tls'));
      copyFileSync(join(ROOT, 'deploy/nginx/proxy.conf'), join(tmp, 'patd-proxy.conf'));
      const env = {
        PATD_DATA_DIR: join(tmp, 'data'), PATD_DATABASE_URL: db.url, PATD_SECRET: 'compose-secret-compose-secret-compose-01',
        PATD_ADMIN_PASSWORD: PASSWORD, PATD_LOG_LEVEL: 'info', PATD_PUBLIC_URL: `https://${HOST}`, PATD_TRUST_PROXY: '127.0.0.1',
      };
      // As in compose.yaml: the second instance starts once the first is up.
      instances.push(await spawnServe(BIN, ['serve'], env));
      instances.push(await spawnServe(BIN, ['serve'], env));
      const tlsPort = await freePort();
      const conf = adapt('compose.conf', [
        ['server patd-1:8080', `server ${new URL((instances[0] as ServeProcess).url).host}`],
        ['server patd-2:8080', `server ${new URL((instances[1] as ServeProcess).url).host}`],
        ['listen 80;', 'listen 127.0.0.1:PORT;'],
        ['listen 443 ssl;', `listen 127.0.0.1:${tlsPort} ssl;`],
        ['/etc/nginx/tls/', `${join(tmp, 'tls')}/`, 2],
        ['include /etc/nginx/patd-proxy.conf;', `include ${join(tmp, 'patd-proxy.conf')};`],
      ]);
      nginx = await startNginx(NGINX as string, conf);
      args = (path, ...more) => ['--cacert', cert, '--resolve', `${HOST}:${tlsPort}:127.0.0.1`, ...more, `https://${HOST}:${tlsPort}${path}`];
    });
    after(async () => {
      await nginx?.stop();
      for (const i of instances) await i.stop();
      await db?.drop();
      rmSync(tmp, { recursive: true, force: true });
    });

    test('nginx -t accepts it; requests reach both instances; a session from one works on the other; one instance down, the other answers', async () => {
      assert.match(await nginxTest(nginx), /test is successful/);
      const s = await curl(args('/api/v1/session', '-H', 'content-type: application/json', '--data', JSON.stringify({ username: 'admin', password: PASSWORD })));
      assert.equal(s.status, 200, s.body);
      const cookie = (s.headers['set-cookie'] ?? '').split(';')[0] as string;
      for (let i = 0; i < 6; i++) assert.equal((await curl(args('/api/v1/session', '-H', `cookie: ${cookie}`))).status, 200);
      // Each instance served requests (its access lines arrive in batches, up to 100 ms late).
      for (const i of instances) await until('an access line of each instance', () => /"url":"\/api\/v1\/session"/.test(i.output()), 10_000);
      await (instances[0] as ServeProcess).stop();
      for (let i = 0; i < 4; i++) assert.equal((await curl(args('/readyz'))).status, 200, 'the other instance answers');
    });
  });
}
