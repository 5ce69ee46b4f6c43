import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { freePort } from '../helpers/nginx.js';
import { type ServeProcess, signInHttp, spawnServe } from '../helpers/serve-process.js';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const PASSWORD = 'installed-admin-password-1';
/**
 * npm for a test: only the registry (and its cache), and native modules built here from the
 * local Node headers, never a prebuilt binary downloaded from elsewhere.
 */
const NPM_ENV = {
  ...process.env, npm_config_build_from_source: 'true', npm_config_prefer_offline: 'true', npm_config_audit: 'false',
  npm_config_fund: 'false', npm_config_update_notifier: 'false', npm_config_loglevel: 'error',
};
const npm = (args: string[], cwd: string) => run('npm', args, { cwd, env: NPM_ENV, maxBuffer: 64 * 1024 * 1024 });

// What an operator does: npm pack, npm install -g into a clean prefix, then run patd from
// there; and what a service author does with the SDK tarball, outside this repository.
// Installing builds better-sqlite3 from source, so it happens once for the whole file.
describe('the npm packages, installed as their users install them', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'patd-pkg-'));
  const prefix = join(tmp, 'prefix');
  const bin = (n: string) => join(prefix, 'bin', n);
  let patdTgz: string;
  let sdkTgz: string;
  let server: ServeProcess | undefined;
  const work = join(tmp, 'work');
  const env = { PATD_DATA_DIR: join(work, 'data'), PATD_DATABASE_URL: '', PATD_ADMIN_PASSWORD: PASSWORD, PATD_LOG_LEVEL: 'info' };

  before(async () => {
    mkdirSync(work);
    // dist/ is built by `npm test` (and by prepare); pack what is there.
    const packed = await npm(['pack', '--ignore-scripts', '--json', '--pack-destination', tmp], ROOT);
    patdTgz = join(tmp, (JSON.parse(packed.stdout) as { filename: string }[])[0]?.filename as string);
    const sdk = await npm(['pack', '-w', '@patd/sdk', '--json', '--pack-destination', tmp], ROOT);
    sdkTgz = join(tmp, (JSON.parse(sdk.stdout) as { filename: string }[])[0]?.filename as string);
    await npm(['install', '-g', '--prefix', prefix, '--allow-scripts=argon2,better-sqlite3', patdTgz], tmp);
  }, { timeout: 20 * 60_000 });
  after(async () => {
    await server?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  test('the tarball holds the compiled dist, the commands, the docs and the deploy kit, and no sources or tests', async () => {
    const { stdout } = await run('tar', ['tzf', patdTgz]);
    const files = stdout.split('\n').filter(Boolean);
    for (const f of ['dist/cli/main.js', 'dist/server.js', 'src/web/assets/app.css', 'bin/patd', 'bin/git-credential-patd', 'LICENSE', 'CHANGELOG.md', 'README.md', 'docs/deployment.md', 'deploy/Dockerfile', 'deploy/patd.service']) {
      assert.ok(files.includes(`package/${f}`), f);
    }
    for (const f of files) assert.doesNotMatch(f, /^package\/(src\/(?!web\/assets\/)|test\/|bench\/|node_modules\/|packages\/)|\.map$|\.d\.ts$/, f);
  });

  test('npm install -g gives working patd and git-credential-patd commands, without dev dependencies', async () => {
    assert.equal((await run(bin('patd'), ['--version'])).stdout, `${VERSION}\n`);
    assert.equal((await run(bin('patd'), ['-V'])).stdout, `${VERSION}\n`);
    assert.equal((await run(bin('git-credential-patd'), ['--version'])).stdout, `${VERSION}\n`);
    assert.match((await run(bin('patd'), ['--help'])).stdout, /Usage: patd <command>/);
    const mods = join(prefix, 'lib', 'node_modules', 'patd', 'node_modules');
    for (const dev of ['typescript', 'tsx', '@biomejs/biome', 'playwright-core']) assert.ok(!existsSync(join(mods, dev)), `${dev} is not installed`);
  });

  test('the installed patd migrates, serves over HTTP and issues tokens that work', async () => {
    const m = await run(bin('patd'), ['migrate', '--json'], { cwd: work, env: { ...process.env, ...env } });
    assert.ok(JSON.parse(m.stdout).applied.length > 0);
    server = await spawnServe(bin('patd'), ['serve'], env, { cwd: work });
    assert.equal((await fetch(`${server.url}/readyz`)).status, 200);
    // The pages, with their assets, work from the installed package too.
    const page = await fetch(`${server.url}/signin`);
    assert.equal(page.status, 200);
    const css = (await page.text()).match(/href="(\/assets\/app\.[0-9a-f]+\.css)"/)?.[1];
    assert.ok(css, 'the sign-in page links its stylesheet');
    assert.equal((await fetch(`${server.url}${css}`)).status, 200);
    await signInHttp(server.url, 'admin', PASSWORD);
    await run(bin('patd'), ['user', 'add', 'alice', '--email', 'alice@x.test'], { cwd: work, env: { ...process.env, ...env } });
    const t = await run(bin('patd'), ['token', 'create', '--user', 'alice', '--name', 'ci', '--scopes', 'profile:read,code:read', '--json'], { cwd: work, env: { ...process.env, ...env } });
    const { secret } = JSON.parse(t.stdout) as { secret: string };
    const me = await fetch(`${server.url}/api/v1/me`, { headers: { authorization: `Bearer ${secret}` } });
    assert.equal(me.status, 200);
    assert.equal(((await me.json()) as { user: { username: string } }).user.username, 'alice');
  });

  test('@patd/sdk installs into a service outside the repository and verifies tokens against the installed patd', async () => {
    assert.ok(server, 'the installed patd runs');
    const { stdout: list } = await run('tar', ['tzf', sdkTgz]);
    for (const f of ['dist/index.js', 'dist/index.d.ts', 'README.md', 'LICENSE', 'package.json']) assert.ok(list.includes(`package/${f}`), f);
    const svc = join(tmp, 'my-service');
    mkdirSync(svc);
    writeFileSync(join(svc, 'package.json'), JSON.stringify({ name: 'my-service', private: true, type: 'module' }));
    await npm(['install', sdkTgz], svc);
    const pkg = JSON.parse(readFileSync(join(svc, 'node_modules/@patd/sdk/package.json'), 'utf8')) as { version: string };
    assert.equal(pkg.version, VERSION);

    const penv = { ...process.env, ...env };
    const c = JSON.parse((await run(bin('patd'), ['client', 'add', 'my-service', '--json'], { cwd: work, env: penv })).stdout) as { id: string; secret: string };
    await run(bin('patd'), ['org', 'add', 'acme', '--owner', 'alice'], { cwd: work, env: penv });
    const { secret } = JSON.parse((await run(bin('patd'), ['token', 'create', '--user', 'alice', '--name', 'svc', '--scopes', 'code:read', '--orgs', 'acme', '--json'], { cwd: work, env: penv })).stdout) as { secret: string };

    // The README's node:http example, as written.
    const readme = readFileSync(join(svc, 'node_modules/@patd/sdk/README.md'), 'utf8');
    const example = [...readme.matchAll(/```js\n([\s\S]*?)```/g)].map((x) => x[1] as string).find((b) => b.startsWith('// server.mjs'));
    assert.ok(example);
    writeFileSync(join(svc, 'server.mjs'), example);
    const port = await freePort();
    const { spawn } = await import('node:child_process');
    const child = spawn(process.execPath, ['server.mjs'], { cwd: svc, env: { ...process.env, PATD_URL: server.url, PATD_CLIENT_ID: c.id, PATD_CLIENT_SECRET: c.secret, PORT: String(port) } });
    try {
      const base = `http://127.0.0.1:${port}`;
      for (let i = 0; i < 400 && !(await fetch(base).then(() => true, () => false)); i++) await new Promise((r) => setTimeout(r, 50));
      const ok = await fetch(`${base}/acme/repos`, { headers: { authorization: `Basic ${Buffer.from(`:${secret}`).toString('base64')}` } });
      assert.equal(ok.status, 200);
      assert.deepEqual(await ok.json(), { hello: 'alice', scopes: ['code:read'] });
      assert.equal((await fetch(`${base}/acme/repos`)).status, 401);
      assert.equal((await fetch(`${base}/other/repos`, { headers: { authorization: `Bearer ${secret}` } })).status, 403);
    } finally {
      child.kill();
    }

    // TypeScript users get the declarations through the package's exports.
    writeFileSync(join(svc, 'check.ts'), "import { createVerifier, type VerifyResult } from '@patd/sdk';\nconst v = createVerifier({ url: 'https://patd.example.com', clientId: 'a', clientSecret: 'b' });\nexport const r: Promise<VerifyResult> = v.verify('t', { scope: 'code:read' });\n");
    writeFileSync(join(svc, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', strict: true, noEmit: true, types: [], typeRoots: [join(ROOT, 'node_modules/@types')] }, files: ['check.ts'] }));
    await run(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(svc, 'tsconfig.json')]);
  });

  test('prepare builds with TypeScript and otherwise only checks that dist/ is there (npm ci --omit=dev)', async () => {
    const dir = join(tmp, 'checkout');
    mkdirSync(join(dir, 'scripts'), { recursive: true });
    writeFileSync(join(dir, 'scripts/prepare.mjs'), readFileSync(join(ROOT, 'scripts/prepare.mjs')));
    const prepare = () => run(process.execPath, ['scripts/prepare.mjs', 'tsconfig.json', 'dist/cli/main.js'], { cwd: dir }).then(() => 0, (e: { code: number; stderr: string }) => e);
    const missing = await prepare();
    assert.notEqual(missing, 0);
    assert.match((missing as { stderr: string }).stderr, /dist\/cli\/main\.js is missing and TypeScript is not installed/);
    mkdirSync(join(dir, 'dist/cli'), { recursive: true });
    writeFileSync(join(dir, 'dist/cli/main.js'), '');
    assert.equal(await prepare(), 0);
  });
});
