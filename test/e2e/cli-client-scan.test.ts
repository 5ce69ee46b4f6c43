import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { generateToken } from '../../src/core/tokens/format.js';
import { curl } from '../helpers/curl.js';
import { dialects } from '../helpers/db.js';
import { startTestPatd, type TestPatd } from '../helpers/harness.js';
import { listen } from '../helpers/sibling.js';

const BIN = fileURLToPath(new URL('../../bin/patd', import.meta.url));

/** Runs bin/patd without blocking this process (a patd may be serving in it). */
function patd(args: string[], env: Record<string, string> = {}, input?: string): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    const ch = execFile(BIN, args, { env: { ...process.env, ...env }, encoding: 'utf8' }, (err, out, errOut) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, out, err: errOut });
    });
    ch.stdin?.end(input ?? '');
  });
}

for (const dialect of await dialects()) {
  describe(`patd client add|list|remove (${dialect})`, () => {
    let p: TestPatd;
    let base: string;
    let env: Record<string, string>;
    before(async () => {
      p = await startTestPatd(dialect);
      base = await listen(p);
      env = { PATD_DATA_DIR: p.db.dataDir, PATD_DATABASE_URL: p.db.url, PATD_LOG_LEVEL: 'warn' };
    });
    after(() => p.stop());

    test('--help for each command', async () => {
      for (const c of ['client add', 'client list', 'client remove', 'scan']) {
        const r = await patd([...c.split(' '), '--help']);
        assert.equal(r.code, 0, c);
        assert.match(r.out, /Usage: patd /, c);
      }
    });

    test('add prints the id and secret once; the secret works for introspection; remove stops it', async () => {
      const add = await patd(['client', 'add', 'registry'], env);
      assert.equal(add.code, 0, add.err);
      const id = /^client_id=(cli_\w+)$/m.exec(add.out)?.[1];
      const secret = /^client_secret=(\S+)$/m.exec(add.out)?.[1];
      assert.ok(id && secret, add.out);
      assert.match(add.err, /shown only once/);

      const list = await patd(['client', 'list', '--json'], env);
      const items = JSON.parse(list.out);
      assert.deepEqual(items.map((c: { id: string; name: string }) => [c.id, c.name]), [[id, 'registry']]);
      assert.ok(!list.out.includes(secret), 'list never shows the secret');
      assert.match((await patd(['client', 'list'], env)).out, /^ID\s+NAME/);

      const token = generateToken('patd_');
      const ask = () => curl(['-u', `${id}:${secret}`, '--data-urlencode', `token=${token}`, `${base}/oauth/introspect`]);
      const r = await ask();
      assert.equal(r.status, 200, r.body);
      assert.deepEqual(r.json(), { active: false });

      const dup = await patd(['client', 'add', 'registry'], env);
      assert.equal(dup.code, 1);
      assert.equal(dup.err.trim().split('\n').length, 1);
      assert.match(dup.err, /already exists/);

      const rm = await patd(['client', 'remove', id as string, '--json'], env);
      assert.equal(rm.code, 0, rm.err);
      assert.equal(JSON.parse(rm.out).removed, true);
      // The running instance cached the client; it is refused once PATD_AUTH_CACHE_SECONDS pass.
      p.clock.advance(p.config.authCacheSeconds * 1000 + 1);
      assert.equal((await ask()).status, 401);

      const again = await patd(['client', 'remove', id as string], env);
      assert.equal(again.code, 1);
      assert.equal(again.err.trim().split('\n').length, 1);
      assert.equal((await patd(['client', 'add'], env)).code, 2);
      assert.equal((await patd(['client', 'add', 'bad/name'], env)).code, 1);
    });
  });
}

describe('patd scan', () => {
  let dir: string;
  const real = generateToken('patd_');
  const custom = generateToken('acme_');
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'patd-scan-'));
    mkdirSync(join(dir, 'src'));
    mkdirSync(join(dir, 'node_modules'));
    writeFileSync(join(dir, 'src', 'config.env'), `# settings\nNAME=x\nMY_TOKEN_${real}\n`);
    writeFileSync(join(dir, 'src', 'clean.ts'), `const x = "${real.slice(0, -1)}${real.endsWith('0') ? '1' : '0'}"; // bad checksum\n`);
    writeFileSync(join(dir, 'deploy.yml'), `env:\n  a: 1\n  token: "${custom}"\n`);
    writeFileSync(join(dir, 'node_modules', 'ignored.js'), real);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('finds tokens by format and checksum, prints file:line and the hint only, exits 1', async () => {
    const r = await patd(['scan', dir]);
    assert.equal(r.code, 1, r.err);
    const lines = r.out.trim().split('\n').sort();
    assert.deepEqual(lines, [
      `${join(dir, 'deploy.yml')}:3:11: acme_…${custom.slice(-4)}`,
      `${join(dir, 'src', 'config.env')}:3:10: patd_…${real.slice(-4)}`,
    ]);
    assert.ok(!r.out.includes(real) && !r.err.includes(real) && !r.out.includes(custom), 'never the secret');
    assert.match(r.err, /found 2 token/);
  });

  test('--json, stdin, and exit 0 when clean', async () => {
    const j = await patd(['scan', join(dir, 'src'), '--json']);
    assert.equal(j.code, 1);
    assert.deepEqual(JSON.parse(j.out), [{ file: join(dir, 'src', 'config.env'), line: 3, column: 10, hint: `patd_…${real.slice(-4)}` }]);
    const s = await patd(['scan', '-'], {}, `diff\n+token=${real}\n`);
    assert.equal(s.code, 1);
    assert.equal(s.out.trim(), `-:2:8: patd_…${real.slice(-4)}`);
    const clean = await patd(['scan', join(dir, 'src', 'clean.ts')]);
    assert.equal(clean.code, 0, clean.out);
    assert.equal(clean.out, '');
    const missing = await patd(['scan', join(dir, 'nope')]);
    assert.equal(missing.code, 2);
    assert.match(missing.err, /cannot read/);
  });
});
