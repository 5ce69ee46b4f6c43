import assert from 'node:assert/strict';
import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { curl } from '../helpers/curl.js';
import { dialects } from '../helpers/db.js';
import { ADMIN_PASSWORD, createToken, startTestPatd, type TestPatd } from '../helpers/harness.js';
import { freePort } from '../helpers/nginx.js';
import { listen } from '../helpers/sibling.js';

// patd runs in this process: children must be awaited, never run synchronously.
const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');
const README = readFileSync(join(ROOT, 'packages/sdk/README.md'), 'utf8');
/** The README's ```js blocks, as written. */
const BLOCKS = [...README.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1] as string);
const named = (file: string) => {
  const b = BLOCKS.find((x) => x.startsWith(`// ${file}`));
  assert.ok(b, `README has no ${file} example`);
  return b;
};

// Every runnable example of packages/sdk/README.md, run as written (through the package's
// built entry point, as a user gets it) against a running patd.
for (const dialect of await dialects()) {
  describe(`SDK README examples run as written (${dialect})`, () => {
    let p: TestPatd;
    let dir: string;
    let env: Record<string, string>;
    let secret: string;
    const children: ChildProcess[] = [];

    before(async () => {
      // What `npm install` does for the package (prepare): build dist/ from src/.
      execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'packages/sdk/tsconfig.json')]);
      p = await startTestPatd(dialect);
      const patdUrl = await listen(p);
      const c = await p.clients.add({ actor: { type: 'system', id: null, name: 'test' }, ip: null, userAgent: null }, 'readme');
      const admin = await p.signIn('admin', ADMIN_PASSWORD);
      assert.equal((await p.req('POST', '/api/v1/orgs', { auth: admin, body: { name: 'acme' } })).statusCode, 201);
      secret = (await createToken(p, admin, { name: 'readme', scopes: ['code:read', 'build:read', 'profile:read'], orgs: ['acme'] })).secret;
      dir = mkdtempSync(join(tmpdir(), 'patd-sdk-readme-'));
      symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
      env = { ...process.env, PATD_URL: patdUrl, PATD_CLIENT_ID: c.client.id, PATD_CLIENT_SECRET: c.secret } as Record<string, string>;
    });
    after(async () => {
      for (const ch of children) ch.kill();
      rmSync(dir, { recursive: true, force: true });
      await p.stop();
    });

    /** Starts a server example on a free port and waits for it to answer. */
    async function serve(file: string): Promise<string> {
      writeFileSync(join(dir, file), named(file));
      const port = await freePort();
      let err = '';
      const ch = spawn(process.execPath, [file], { cwd: dir, env: { ...env, PORT: String(port) }, stdio: ['ignore', 'ignore', 'pipe'] });
      ch.stderr?.on('data', (d) => {
        err += String(d);
      });
      children.push(ch);
      const base = `http://127.0.0.1:${port}`;
      for (let i = 0; i < 200; i++) {
        if (ch.exitCode !== null) throw new Error(`${file} exited: ${err}`);
        if (await fetch(base).then(() => true, () => false)) return base;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`${file} did not start: ${err}`);
    }

    test('"Verify a token" prints the user', async () => {
      const b = BLOCKS.find((x) => x.includes('verifier.verify(process.env.TOKEN'));
      assert.ok(b);
      writeFileSync(join(dir, 'verify.mjs'), b);
      const { stdout: out } = await run(process.execPath, ['verify.mjs'], { cwd: dir, env: { ...env, TOKEN: secret }, encoding: 'utf8' });
      assert.match(out, /^admin usr_\S+ \[ 'code:read', 'build:read', 'profile:read' \] \[ 'acme' \]/);
      const { stdout: no } = await run(process.execPath, ['verify.mjs'], { cwd: dir, env: { ...env, TOKEN: 'patd_nope' }, encoding: 'utf8' });
      assert.match(no, /not accepted/);
    });

    test('server.mjs (node:http)', async () => {
      const base = await serve('server.mjs');
      const ok = await curl(['-u', `:${secret}`, `${base}/acme/repos`]);
      assert.equal(ok.status, 200, ok.body);
      assert.equal(ok.json().hello, 'admin');
      assert.equal((await curl([`${base}/acme/repos`])).status, 401);
      assert.equal((await curl(['-u', `:${secret}`, `${base}/other/repos`])).status, 403);
    });

    test('express.mjs', async () => {
      const base = await serve('express.mjs');
      const ok = await curl(['-u', `:${secret}`, `${base}/acme/repos`]);
      assert.equal(ok.status, 200, ok.body);
      assert.deepEqual(ok.json(), { hello: 'admin', org: 'acme' });
      assert.equal((await curl(['-u', `:${secret}`, `${base}/other/repos`])).status, 403);
    });

    test('app.mjs (Fastify)', async () => {
      const base = await serve('app.mjs');
      const ok = await curl(['-H', `Authorization: Bearer ${secret}`, `${base}/acme/builds`]);
      assert.equal(ok.status, 200, ok.body);
      assert.deepEqual(ok.json(), { org: 'acme', user: 'admin' });
      assert.deepEqual((await curl(['-u', `:${secret}`, `${base}/me`])).json(), { username: 'admin' });
      assert.equal((await curl([`${base}/me`])).status, 401);
    });

    test('the helpers example', () => {
      const b = BLOCKS.find((x) => x.includes('extractToken('));
      assert.ok(b);
      const checked = b.replace(/^(.*?); \/\/ (\S+).*$/gm, (_l, expr, want) => `if (String(${expr}) !== String(${want.replace(/:$/, '')})) throw new Error(${JSON.stringify(expr)});`);
      writeFileSync(join(dir, 'helpers.mjs'), checked);
      execFileSync(process.execPath, ['helpers.mjs'], { cwd: dir, env, encoding: 'utf8' });
    });
  });
}
