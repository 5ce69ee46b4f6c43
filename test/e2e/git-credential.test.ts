import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ManualClock } from '../../src/core/clock.js';
import { ADMIN_PASSWORD, type Auth, startTestPatd, type TestPatd } from '../helpers/harness.js';
import { git, gitHome, workRepo } from './git-helpers.js';

const ROOT = resolve(import.meta.dirname, '../..');

/** Real time: the helper polls on the wall clock, and slow_down compares poll times. */
class WallClock extends ManualClock {
  override now(): number {
    return Date.now();
  }
}

/** Runs a bin of the package; `onStderr` sees its stderr as it arrives. */
function run(bin: string, args: string[], env: NodeJS.ProcessEnv, input = '', onStderr?: (s: string) => void): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((res, rej) => {
    const c = spawn(join(ROOT, 'bin', bin), args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    c.stdout.on('data', (d) => { stdout += d; });
    c.stderr.on('data', (d) => {
      stderr += d;
      onStderr?.(stderr);
    });
    c.on('error', rej);
    c.on('close', (code) => res({ code: code ?? -1, stdout, stderr }));
    c.stdin.end(input);
  });
}

describe('git-credential-patd and patd login (device flow)', () => {
  let p: TestPatd;
  let admin: Auth;
  let base: string;
  let env: NodeJS.ProcessEnv;
  let home: string;
  const approved: string[] = [];

  /** What the person does in the browser: the same calls the /device page makes. */
  const approver = (action: 'approve' | 'deny' = 'approve') => {
    let done = false;
    return (all: string) => {
      const code = /code ([A-Z]{4}-[A-Z]{4})/.exec(all)?.[1];
      if (!code || done) return;
      done = true;
      void (async () => {
        const view = await p.req('GET', `/api/v1/device/${code}`, { auth: admin });
        assert.equal(view.statusCode, 200, view.body);
        approved.push(view.json().tokenName);
        const res = await p.req('POST', `/api/v1/device/${code}`, { auth: admin, body: { action } });
        assert.equal(res.statusCode, 200, res.body);
      })();
    };
  };

  before(async () => {
    // Polls every second instead of five, to keep the suite fast.
    p = await startTestPatd('sqlite', { clock: new WallClock(), overrides: { device: { interval: 1 } } });
    admin = await p.signIn('admin', ADMIN_PASSWORD);
    await p.app.listen({ port: 0, host: '127.0.0.1' });
    const addr = p.app.server.address();
    base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
    await p.req('POST', '/api/v1/orgs', { auth: admin, body: { name: 'acme' } });
    await p.req('POST', '/api/v1/orgs/acme/repos', { auth: admin, body: { name: 'app' } });
    assert.ok(existsSync(join(ROOT, 'dist/credential-helper/main.js')), 'build first: npm run build (npm test does)');
    ({ home, env } = gitHome());
    // `credential.helper patd` runs git-credential-patd from PATH, as when the package is installed.
    const binDir = join(home, 'bin');
    mkdirSync(binDir);
    symlinkSync(join(ROOT, 'bin', 'git-credential-patd'), join(binDir, 'git-credential-patd'));
    env.PATH = `${binDir}:${env.PATH}`;
    await git(['config', '--global', 'credential.helper', 'patd'], { env });
    await git(['config', '--global', 'credential.useHttpPath', 'true'], { env });
  });
  after(async () => {
    await p.stop();
    rmSync(home, { recursive: true, force: true });
  });

  const credFile = () => join(home, '.config', 'patd', 'credentials.json');

  test('first clone signs in by device flow; the token is saved 0600 and reused for push', async () => {
    const dir = join(home, 'clone1');
    const c = await git(['clone', `${base}/acme/_git/app`, dir], { env, onStderr: approver() });
    assert.equal(c.code, 0, c.stderr);
    assert.match(c.stderr, /git-credential-patd: To sign in, open .*\/device\?user_code=[A-Z]{4}-[A-Z]{4}/);
    assert.match(c.stderr, /warning: You appear to have cloned an empty repository/);
    assert.equal(statSync(credFile()).mode & 0o777, 0o600);
    const saved = JSON.parse(readFileSync(credFile(), 'utf8'));
    const entry = saved.git[`${base} acme`];
    assert.match(entry.token, /^patd_/);
    assert.equal(entry.scope, 'code:write');
    assert.deepEqual(approved, [`git: ${base}/acme/ on ${hostname()}`]);
    const tok = await p.req('GET', `/api/v1/tokens/${entry.tokenId}`, { auth: admin });
    assert.equal(tok.json().createdVia, 'device');
    assert.equal(tok.json().clientName, 'git-credential-patd');
    assert.deepEqual(tok.json().orgs, ['acme']);

    // Push with the saved token: no second sign-in.
    const work = await workRepo(env, { 'a.txt': 'a\n' });
    const push = await git(['push', `${base}/acme/_git/app`, 'main'], { cwd: work, env });
    assert.equal(push.code, 0, push.stderr);
    assert.doesNotMatch(push.stderr, /sign in/i);
    rmSync(work, { recursive: true, force: true });
  });

  test('a revoked token: git reports it bad, the helper erases it', async () => {
    const entry = JSON.parse(readFileSync(credFile(), 'utf8')).git[`${base} acme`];
    assert.equal((await p.req('DELETE', `/api/v1/tokens/${entry.tokenId}`, { auth: admin })).statusCode, 204);
    const r = await git(['ls-remote', `${base}/acme/_git/app`], { env });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /remote: patd: the token has been revoked/);
    assert.match(r.stderr, /fatal: Authentication failed/);
    assert.equal(JSON.parse(readFileSync(credFile(), 'utf8')).git[`${base} acme`], undefined);
    // The next command signs in again.
    const again = await git(['ls-remote', `${base}/acme/_git/app`], { env, onStderr: approver() });
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /refs\/heads\/main/);
  });

  test('a denied sign-in fails the git command with the reason', async () => {
    const { env: env2, home: home2 } = gitHome();
    env2.PATH = env.PATH;
    await git(['config', '--global', 'credential.helper', 'patd'], { env: env2 });
    await git(['config', '--global', 'credential.useHttpPath', 'true'], { env: env2 });
    const r = await git(['ls-remote', `${base}/acme/_git/app`], { env: env2, onStderr: approver('deny') });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /git-credential-patd: the request was denied/);
    rmSync(home2, { recursive: true, force: true });
  });

  test('the helper speaks only the credential protocol on stdout; store is harmless; other hosts are left alone', async () => {
    const get = await run('git-credential-patd', ['get'], env, `protocol=http\nhost=${base.slice(7)}\npath=acme/_git/app\n\n`);
    assert.equal(get.code, 0);
    assert.match(get.stdout, /^username=patd\npassword=patd_[0-9A-Za-z]+\n$/);
    const before = readFileSync(credFile(), 'utf8');
    const store = await run('git-credential-patd', ['store'], env, `protocol=http\nhost=${base.slice(7)}\npath=acme/_git/app\nusername=x\npassword=other\n\n`);
    assert.equal(store.code, 0);
    assert.equal(store.stdout, '');
    assert.equal(readFileSync(credFile(), 'utf8'), before);
    const other = await run('git-credential-patd', ['get'], env, 'protocol=http\nhost=127.0.0.1:9\npath=x/_git/y\n\n');
    assert.equal(other.code, 0);
    assert.equal(other.stdout, '');
    const ssh = await run('git-credential-patd', ['get'], env, 'protocol=ssh\nhost=example.com\n\n');
    assert.equal(ssh.stdout, '');
    const help = await run('git-credential-patd', ['--help'], env);
    assert.equal(help.stdout, '');
    assert.match(help.stderr, /credential\..*\.useHttpPath true/);
  });

  test('patd login keeps a token for patd whoami and patd repo --url', async () => {
    const login = await run('patd', ['login', '--url', `${base}/`], env, '', approver());
    assert.equal(login.code, 0, login.stderr);
    assert.match(login.stdout, new RegExp(`signed in to ${base}`));
    assert.equal(statSync(credFile()).mode & 0o777, 0o600);
    assert.ok(JSON.parse(readFileSync(credFile(), 'utf8')).cli[base].token);
    const who = await run('patd', ['whoami', '--url', base, '--json'], env);
    assert.equal(who.code, 0, who.stderr);
    const me = JSON.parse(who.stdout);
    assert.equal(me.user.username, 'admin');
    assert.deepEqual(me.token.scopes, ['profile:read', 'code:manage']);
    const add = await run('patd', ['repo', 'add', 'acme', 'lib', '--url', base, '--json'], env);
    assert.equal(add.code, 0, add.stderr);
    assert.equal(JSON.parse(add.stdout).name, 'lib');
    const list = await run('patd', ['repo', 'list', 'acme', '--url', base], env);
    assert.match(list.stdout, /^NAME/);
    assert.match(list.stdout, /\blib\b/);
    const rm = await run('patd', ['repo', 'remove', 'acme', 'lib', '--url', base], env);
    assert.equal(rm.code, 0, rm.stderr);
    const gone = await run('patd', ['repo', 'remove', 'acme', 'lib', '--url', base], env);
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /^patd repo remove: .*no repository "lib".*\(not_found\)\n$/);
    const saved = JSON.parse(readFileSync(credFile(), 'utf8')).cli[base].token as string;
    const out = await run('patd', ['logout', '--url', base], env);
    assert.equal(out.code, 0);
    assert.match(out.stdout, /revoked and forgot/);
    const dead = await fetch(`${base}/api/v1/me`, { headers: { authorization: `Bearer ${saved}` } });
    assert.equal(dead.status, 401, 'logout revokes the token on the server');
    assert.equal(((await dead.json()) as { code: string }).code, 'token_revoked');
    const after = await run('patd', ['whoami', '--url', base], env);
    assert.notEqual(after.code, 0);
    assert.match(after.stderr, /not signed in/);
  });
});
