import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { DAY_MS } from '../../src/core/clock.js';
import { addUser, ADMIN_PASSWORD, type Auth, createToken, startTestPatd, type TestPatd } from '../helpers/harness.js';
import { git, gitHome, workRepo } from './git-helpers.js';

/** The real git client against patd on loopback: clone, fetch, push and refusals. */
describe('git smart HTTP with PATs', () => {
  let p: TestPatd;
  let admin: Auth;
  let base: string;
  let env: NodeJS.ProcessEnv;
  let writer: string;
  let reader: string;
  const tmp: string[] = [];
  const url = (secret: string, path = 'acme/_git/app') => base.replace('http://', `http://x:${secret}@`) + `/${path}`;

  before(async () => {
    p = await startTestPatd('sqlite');
    admin = await p.signIn('admin', ADMIN_PASSWORD);
    await p.app.listen({ port: 0, host: '127.0.0.1' });
    const addr = p.app.server.address();
    base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
    for (const name of ['acme', 'other']) assert.equal((await p.req('POST', '/api/v1/orgs', { auth: admin, body: { name } })).statusCode, 201);
    const res = await p.req('POST', '/api/v1/orgs/acme/repos', { auth: admin, body: { name: 'app.git' } });
    assert.equal(res.statusCode, 201, res.body);
    assert.equal(res.json().url, `${p.config.publicUrl}/acme/_git/app`);
    writer = (await createToken(p, admin, { name: 'writer', scopes: ['code:write'], orgs: ['acme'] })).secret;
    reader = (await createToken(p, admin, { name: 'reader', scopes: ['code:read'], orgs: ['acme'] })).secret;
    ({ env } = gitHome());
    tmp.push(env.HOME as string);
  });
  after(async () => {
    await p.stop();
    for (const d of tmp) rmSync(d, { recursive: true, force: true });
  });

  test('the repository is created bare and empty, HEAD on main, receivepack on', () => {
    const dir = join(p.db.dataDir, 'git', 'acme', 'app.git');
    assert.equal(readFileSync(join(dir, 'HEAD'), 'utf8').trim(), 'ref: refs/heads/main');
    assert.match(readFileSync(join(dir, 'config'), 'utf8'), /receivepack = true/);
  });

  test('push with the token in the URL, then clone and fetch', async () => {
    const work = await workRepo(env, { 'README.md': '# app\n' });
    tmp.push(work);
    const push = await git(['push', url(writer), 'main'], { cwd: work, env });
    assert.equal(push.code, 0, push.stderr);
    const clone = join(work, '..', `clone-${Date.now()}`);
    tmp.push(clone);
    const c = await git(['clone', url(reader), clone], { env });
    assert.equal(c.code, 0, c.stderr);
    assert.equal(readFileSync(join(clone, 'README.md'), 'utf8'), '# app\n');
    // A second commit, fetched into the clone.
    await git(['commit', '-q', '--allow-empty', '-m', 'second'], { cwd: work, env });
    assert.equal((await git(['push', url(writer), 'main'], { cwd: work, env })).code, 0);
    const f = await git(['fetch', 'origin'], { cwd: clone, env });
    assert.equal(f.code, 0, f.stderr);
    const log = await git(['log', '--format=%s', 'origin/main'], { cwd: clone, env });
    assert.deepEqual(log.stdout.trim().split('\n'), ['second', 'initial']);
  });

  test('a bearer token through http.extraHeader', async () => {
    const clone = join(env.HOME as string, `bearer-${Date.now()}`);
    const c = await git(['-c', `http.extraHeader=Authorization: Bearer ${reader}`, 'clone', `${base}/acme/_git/app.git`, clone], { env });
    assert.equal(c.code, 0, c.stderr);
    assert.ok(existsSync(join(clone, 'README.md')));
  });

  test('protocol v0 clients, and gzip-encoded request bodies', async () => {
    const clone = join(env.HOME as string, `v0-${Date.now()}`);
    const c = await git(['-c', 'protocol.version=0', 'clone', url(reader), clone], { env });
    assert.equal(c.code, 0, c.stderr);
    // git gzips large upload-pack requests (Content-Encoding: gzip); the backend must inflate them.
    const sha = (await git(['ls-remote', url(reader), 'refs/heads/main'], { env })).stdout.split('\t')[0] ?? '';
    const pkt = (s: string) => (s.length + 4).toString(16).padStart(4, '0') + s;
    const res = await fetch(`${base}/acme/_git/app/git-upload-pack`, {
      method: 'POST', body: gzipSync(`${pkt(`want ${sha}\n`)}0000${pkt('done\n')}`),
      headers: { authorization: `Bearer ${reader}`, 'content-type': 'application/x-git-upload-pack-request', 'content-encoding': 'gzip' },
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/x-git-upload-pack-result');
    const body = Buffer.from(await res.arrayBuffer());
    assert.equal(body.subarray(0, 8).toString(), '0008NAK\n');
    assert.equal(body.subarray(8, 12).toString(), 'PACK');
  });

  test('no credentials: 401 with a Basic challenge, so git asks for a password', async () => {
    const res = await fetch(`${base}/acme/_git/app/info/refs?service=git-upload-pack`);
    assert.equal(res.status, 401);
    assert.match(res.headers.get('www-authenticate') ?? '', /^Basic realm="patd"/);
    const c = await git(['ls-remote', `${base}/acme/_git/app`], { env });
    assert.notEqual(c.code, 0);
    assert.match(c.stderr, /could not read Username|Authentication failed/);
  });

  test('a read-only token cannot push, and git prints why', async () => {
    const work = await workRepo(env, { 'x.txt': 'x\n' });
    tmp.push(work);
    const r = await git(['push', url(reader), 'main:refs/heads/ro'], { cwd: work, env });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /remote: patd: the token lacks the scope "code:write"; git push needs a token with code:write/);
    assert.match(r.stderr, /fatal: unable to access '.*': The requested URL returned error: 403/);
    // The POST alone is refused too.
    const res = await fetch(`${base}/acme/_git/app/git-receive-pack`, { method: 'POST', headers: { authorization: `Bearer ${reader}`, 'content-type': 'application/x-git-receive-pack-request' }, body: '0000' });
    assert.equal(res.status, 403);
  });

  test('an expired token is refused with 401 and git says so', async () => {
    const t = await createToken(p, admin, { name: 'short', scopes: ['code:read'], expiresInDays: 1 });
    p.clock.advance(2 * DAY_MS);
    try {
      const r = await git(['ls-remote', url(t.secret)], { env });
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /remote: patd: the token has expired \(code token_expired\)/);
      assert.match(r.stderr, /fatal: Authentication failed/);
    } finally {
      p.clock.advance(-2 * DAY_MS);
    }
  });

  test('a revoked token is refused', async () => {
    const t = await createToken(p, admin, { name: 'gone', scopes: ['code:read'] });
    assert.equal((await p.req('DELETE', `/api/v1/tokens/${t.id}`, { auth: admin })).statusCode, 204);
    const r = await git(['ls-remote', url(t.secret)], { env });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /remote: patd: the token has been revoked/);
    assert.match(r.stderr, /Authentication failed/);
  });

  test('a token for another org is refused with 403; unknown orgs and repositories are 404', async () => {
    const t = await createToken(p, admin, { name: 'other', scopes: ['code:write'], orgs: ['other'] });
    const r = await git(['ls-remote', url(t.secret)], { env });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /remote: patd: the token may not be used in org "acme"/);
    assert.match(r.stderr, /error: 403/);
    const nf = await git(['ls-remote', url(writer, 'acme/_git/nope')], { env });
    assert.match(nf.stderr, /remote: patd: repository "acme\/nope" not found[\s\S]*fatal: repository '.*' not found/);
    const no = await git(['ls-remote', url(writer, 'nowhere/_git/app')], { env });
    assert.match(no.stderr, /fatal: repository '.*' not found/);
  });

  test('a member who is not in the org sees 404, and path tricks are refused', async () => {
    const bob = await addUser(p, admin, 'bob');
    const t = await createToken(p, bob.auth, { name: 'bob', scopes: ['code:read'] });
    const r = await fetch(`${base}/acme/_git/app/info/refs?service=git-upload-pack`, { headers: { authorization: `Bearer ${t.secret}` } });
    assert.equal(r.status, 404);
    for (const path of ['/acme/_git/..%2F..%2Fetc/info/refs?service=git-upload-pack', '/acme/_git/app/objects/info/packs', '/acme/_git/app/../../x/info/refs?service=git-upload-pack', '/acme/_git/app/info/refs?service=git-foo']) {
      const res = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${writer}` } });
      assert.equal(res.status, 404, path);
    }
  });
});
