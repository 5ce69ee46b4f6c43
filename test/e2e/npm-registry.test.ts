import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { dialects } from '../helpers/db.js';
import { ADMIN_PASSWORD, type Auth, addUser, createToken, startTestPatd, type TestPatd } from '../helpers/harness.js';
import { findNginx, type Nginx, startNginx } from '../helpers/nginx.js';
import { type CommandResult, runCommand } from '../helpers/run-command.js';
import { listen } from '../helpers/sibling.js';

const PKG = 'hello-patd';
const TARBALL = `${PKG}-1.0.0.tgz`;

/**
 * A static npm registry (one packument, one tarball) behind nginx, every location guarded by
 * `auth_request` to patd's forward-auth with `scope=packaging:read`. Its log lines show what
 * each request got, whom patd said it was, and the challenge sent back on a 401.
 */
function registryServerBlock(patdPort: number, reg: string): string {
  return `
  upstream patd { server 127.0.0.1:${patdPort}; keepalive 16; }
  log_format patd escape=none '$request_method $uri $status user=$patd_user challenge=$sent_http_www_authenticate';

  server {
    listen 127.0.0.1:PORT;
    root ${reg}/www;
    access_log ${reg}/access.log patd;

    location = /_patd {
      internal;
      proxy_pass http://patd/auth/verify?scope=packaging:read;
      proxy_pass_request_body off;
      proxy_set_header Content-Length "";
      proxy_set_header X-Original-URI $request_uri;
      proxy_set_header X-Original-Method $request_method;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }

    # The packument (npm asks for /hello-patd).
    location = /${PKG} {
      auth_request /_patd;
      auth_request_set $patd_user $upstream_http_x_patd_user;
      default_type application/json;
      alias ${reg}/${PKG}.json;
    }

    # Tarballs: /hello-patd/-/hello-patd-1.0.0.tgz, from the folder.
    location / {
      auth_request /_patd;
      auth_request_set $patd_user $upstream_http_x_patd_user;
      default_type application/octet-stream;
    }
  }`;
}

/** Runs a command with its own env (nothing inherited) and a timeout: a hang fails the test. */
const run = (cmd: string, args: string[], cwd: string, env: Record<string, string>, timeoutMs = 60_000): Promise<CommandResult> => runCommand(cmd, args, { cwd, env, timeoutMs });

const nginxBin = findNginx();

// npm's own client installs a package from a static registry folder served by real nginx,
// with nginx asking a running patd (auth_request -> GET /auth/verify?scope=packaging:read).
for (const dialect of nginxBin ? await dialects() : []) {
  describe(`npm install through nginx auth_request and patd (${dialect})`, () => {
    let p: TestPatd;
    let nginx: Nginx;
    let work: string;
    let reg: string;
    let hostPath: string;
    let alice: { id: string; auth: Auth };
    let reader: { id: string; secret: string };
    let cases = 0;

    before(async () => {
      work = mkdtempSync(join(tmpdir(), 'patd-npm-'));
      reg = join(work, 'registry');
      mkdirSync(join(reg, 'www', PKG, '-'), { recursive: true });

      // The package: package/package.json and package/index.js, gzipped tar.
      const src = join(work, 'src');
      mkdirSync(join(src, 'package'), { recursive: true });
      writeFileSync(join(src, 'package', 'package.json'), JSON.stringify({ name: PKG, version: '1.0.0', main: 'index.js' }));
      writeFileSync(join(src, 'package', 'index.js'), "module.exports = 'hello from patd';\n");
      const tgz = join(reg, 'www', PKG, '-', TARBALL);
      execFileSync('tar', ['-czf', tgz, '-C', src, 'package']);

      p = await startTestPatd(dialect, { env: { PATD_TRUST_PROXY: 'loopback' } });
      const patdPort = Number(new URL(await listen(p)).port);
      nginx = await startNginx(nginxBin as string, registryServerBlock(patdPort, reg));
      hostPath = `//127.0.0.1:${nginx.port}/`;

      // The packument names the tarball by nginx's URL, so it is written once the port is known
      // (nginx reads the file per request).
      const buf = readFileSync(tgz);
      writeFileSync(join(reg, `${PKG}.json`), JSON.stringify({
        name: PKG,
        'dist-tags': { latest: '1.0.0' },
        versions: {
          '1.0.0': {
            name: PKG, version: '1.0.0', main: 'index.js',
            dist: {
              tarball: `http:${hostPath}${PKG}/-/${TARBALL}`,
              integrity: `sha512-${createHash('sha512').update(buf).digest('base64')}`,
              shasum: createHash('sha1').update(buf).digest('hex'),
            },
          },
        },
      }));

      const admin = await p.signIn('admin', ADMIN_PASSWORD);
      alice = await addUser(p, admin, 'alice');
      reader = await createToken(p, alice.auth, { name: 'npm', scopes: ['packaging:read'] });
    });
    after(async () => {
      await nginx?.stop();
      await p?.stop();
      if (work) rmSync(work, { recursive: true, force: true });
    });

    /** nginx's log lines (`METHOD URI STATUS user=NAME challenge=…`) after the first `from`. */
    const logLines = (from = 0) => (existsSync(join(reg, 'access.log')) ? readFileSync(join(reg, 'access.log'), 'utf8').split('\n').filter(Boolean).slice(from) : []);

    /**
     * `npm install hello-patd` in a fresh project with a fresh HOME, .npmrc and cache (so no
     * cached packument or tarball can make a refused case pass). `npmrc` are the auth lines.
     */
    async function npmInstall(npmrc: string[]): Promise<CommandResult & { dir: string; log: string[] }> {
      const dir = join(work, `case-${++cases}`);
      const project = join(dir, 'project');
      mkdirSync(project, { recursive: true });
      writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }));
      writeFileSync(join(dir, '.npmrc'), [`registry=http:${hostPath}`, ...npmrc, ''].join('\n'));
      writeFileSync(join(dir, 'global-npmrc'), '');
      // Built from scratch: no npm_config_* (registry, tokens) of the parent process leaks in.
      const env = {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: dir,
        npm_config_userconfig: join(dir, '.npmrc'),
        npm_config_globalconfig: join(dir, 'global-npmrc'),
        npm_config_cache: join(dir, 'cache'),
        npm_config_update_notifier: 'false',
        npm_config_fund: 'false',
        npm_config_audit: 'false',
        npm_config_fetch_retries: '0',
      };
      const from = logLines().length;
      const r = await run('npm', ['install', PKG, '--no-audit', '--no-fund', '--prefer-online'], project, env);
      assert.equal(r.signal, null, `npm was killed (timeout?): ${r.err}`);
      return { ...r, dir: project, log: logLines(from) };
    }

    async function assertInstalled(r: CommandResult & { dir: string; log: string[] }, user: string) {
      assert.equal(r.code, 0, `npm install failed:\n${r.err}\n${nginx.errorLog()}`);
      assert.match(r.out, /added 1 package/);
      const out = await run(process.execPath, ['-e', `console.log(require('${PKG}'))`], r.dir, { PATH: process.env.PATH ?? '' }, 10_000);
      assert.equal(out.code, 0, out.err);
      assert.equal(out.out, 'hello from patd\n');
      // Both requests went through auth_request, and patd named the token's owner.
      assert.deepEqual(r.log, [`GET /${PKG} 200 user=${user} challenge=`, `GET /${PKG}/-/${TARBALL} 200 user=${user} challenge=`]);
    }

    /** npm failed with `status`, installed nothing, and asked nginx for the packument only: returns the challenge. */
    function assertRefused(r: CommandResult & { dir: string; log: string[] }, status: 401 | 403): string {
      assert.notEqual(r.code, 0, `npm install should have failed:\n${r.out}`);
      assert.match(r.err, status === 401 ? /npm error code E401\n.*Unable to authenticate/ : /npm error code E403\n.*403 Forbidden - GET http:\/\/127\.0\.0\.1:\d+\/hello-patd/);
      assert.equal(existsSync(join(r.dir, 'node_modules', PKG)), false);
      assert.equal(r.log.length, 1, r.log.join('\n'));
      const m = /^GET \/hello-patd (\d+) user= challenge=(.*)$/.exec(r.log[0] ?? '');
      assert.equal(m?.[1], String(status), r.log.join('\n'));
      return m?.[2] ?? '';
    }

    test('_authToken in .npmrc (Bearer): npm installs the package and it loads', async () => {
      const r = await npmInstall([`${hostPath}:_authToken=${reader.secret}`]);
      await assertInstalled(r, 'alice');
    });

    test('_auth in .npmrc (Basic base64(user:TOKEN)) works too', async () => {
      const r = await npmInstall([`${hostPath}:_auth=${Buffer.from(`anyuser:${reader.secret}`).toString('base64')}`]);
      await assertInstalled(r, 'alice');
    });

    test('username and _password (base64 of the token) in .npmrc work too', async () => {
      const r = await npmInstall([`${hostPath}:username=anyuser`, `${hostPath}:_password=${Buffer.from(reader.secret).toString('base64')}`]);
      await assertInstalled(r, 'alice');
    });

    test('no credentials: npm fails with 401 and nothing is installed', async () => {
      const r = await npmInstall([]);
      // patd's challenge reaches npm through nginx. npm words its E401 from that header: seeing
      // "Bearer" in it, it says the token "seems to be invalid" even though none was sent.
      assert.equal(assertRefused(r, 401), 'Basic realm="patd", charset="UTF-8", Bearer realm="patd"');
    });

    test('a token without packaging:read: npm fails with 403', async () => {
      const code = await createToken(p, alice.auth, { name: 'code only', scopes: ['code:read'] });
      const r = await npmInstall([`${hostPath}:_authToken=${code.secret}`]);
      assert.equal(assertRefused(r, 403), '');
    });

    test('a token revoked through the API is refused at the very next npm request', async () => {
      const t = await createToken(p, alice.auth, { name: 'to revoke', scopes: ['packaging:read'] });
      await assertInstalled(await npmInstall([`${hostPath}:_authToken=${t.secret}`]), 'alice');
      assert.equal((await p.req('DELETE', `/api/v1/tokens/${t.id}`, { auth: alice.auth })).statusCode, 204);
      const r = await npmInstall([`${hostPath}:_authToken=${t.secret}`]);
      assert.match(assertRefused(r, 401), /^Basic realm="patd".*error="invalid_token", error_description="token_revoked"/);
    });
  });
}
