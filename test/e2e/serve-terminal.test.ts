import assert from 'node:assert/strict';
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { runCommand } from '../helpers/run-command.js';
import { api, type ServeProcess, signInHttp, spawnServe, until } from '../helpers/serve-process.js';

const BIN = fileURLToPath(new URL('../../bin/patd', import.meta.url));
const PASSWORD = 'terminal-admin-password-1';
const SCRIPT = ['/usr/bin/script', '/bin/script'].find((p) => existsSync(p));
if (!SCRIPT && process.env.CI) throw new Error('script (util-linux) is needed for the terminal tests');

/** Runs a command on a pseudo-terminal (util-linux `script`), so that it sees a TTY. */
function onTerminal(cmd: string, env: Record<string, string | undefined>): { child: ChildProcessWithoutNullStreams; output: () => string; exited: Promise<number | null> } {
  const child = spawn(SCRIPT as string, ['-qfec', cmd, '/dev/null'], { env: { ...process.env, ...env } });
  let out = '';
  child.stdout.on('data', (d) => {
    out += String(d);
  });
  const exited = new Promise<number | null>((r) => child.on('exit', r));
  return { child, output: () => out, exited };
}

/** Without ANSI color codes. */
const plain = (s: string) => s.replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g'), '');
const listening = (out: string) => out.match(/"url":"(http:\/\/[^"]+)"/)?.[1];

describe('patd serve and the CLI on a terminal (sqlite)', () => {
  let db: TestDb;
  let env: Record<string, string>;
  const servers: ServeProcess[] = [];
  before(async () => {
    db = await createTestDb('sqlite');
    env = { PATD_DATA_DIR: db.dataDir, PATD_DATABASE_URL: '', PATD_ADMIN_PASSWORD: PASSWORD, PATD_LOG_LEVEL: 'info' };
  });
  after(async () => {
    for (const s of servers) await s.stop();
    await db.drop();
  });

  test('a start that fails on a busy port creates no admin and prints no password', async () => {
    const busy = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
    try {
      const port = String((busy.address() as AddressInfo).port);
      const r = await runCommand(BIN, ['serve'], { env: { ...process.env, ...env, PATD_ADMIN_PASSWORD: '', PATD_PORT: port } });
      assert.equal(r.code, 1);
      assert.match(r.out + r.err, /is already in use/);
      assert.doesNotMatch(r.out + r.err, /password/i);
      const users = await runCommand(BIN, ['user', 'list', '--json'], { env: { ...process.env, ...env } });
      assert.deepEqual(JSON.parse(users.out), [], 'no admin was created');
    } finally {
      busy.close();
    }
  });

  test('logs: human-readable on a terminal, JSON on a pipe, PATD_LOG_FORMAT overrides; secrets redacted in both', async () => {
    const SECRET = 'patd_notarealtokenbutsecret0123456789';
    const t = onTerminal(`${BIN} serve`, { ...env, PATD_PORT: '0', PATD_LOG_FORMAT: undefined });
    await until('the terminal server', () => !!listening(plain(t.output())));
    const url = listening(plain(t.output())) as string;
    assert.equal((await fetch(`${url}/api/v1/scopes?token=${SECRET}`)).status, 200);
    await until('the access line', () => /request completed GET \/api\/v1\/scopes/.test(t.output()));
    t.child.kill('SIGTERM');
    assert.equal(await t.exited, 0);
    const colored = t.output();
    assert.notEqual(plain(colored), colored, 'colors on a terminal');
    const lines = plain(colored).split(/\r?\n/).filter(Boolean);
    assert.ok(lines.some((l) => /^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\] .*INFO.*: patd is listening/.test(l)), t.output());
    assert.ok(lines.some((l) => /request completed GET \/api\/v1\/scopes\?token=\[redacted\] 200 \d+ms \[req/.test(l)), t.output());
    assert.ok(!lines.some((l) => l.startsWith('{')), 'no JSON line on a terminal');
    assert.ok(!t.output().includes(SECRET), 'the secret query parameter is redacted');

    // PATD_LOG_FORMAT=json on a terminal; =pretty on a pipe.
    const j = onTerminal(`${BIN} serve`, { ...env, PATD_PORT: '0', PATD_LOG_FORMAT: 'json' });
    await until('the JSON terminal server', () => !!listening(j.output()));
    await fetch(`${listening(j.output())}/api/v1/scopes?token=${SECRET}`);
    await until('the JSON access line', () => /"msg":"request completed"/.test(j.output()));
    j.child.kill('SIGTERM');
    await j.exited;
    const jl = j.output().split(/\r?\n/).filter(Boolean);
    assert.ok(jl.every((l) => JSON.parse(l).level), j.output());
    assert.ok(!j.output().includes(SECRET));

    const p = await spawnServe(BIN, ['serve'], { ...env, PATD_LOG_FORMAT: 'pretty' });
    await fetch(`${p.url}/api/v1/scopes?token=${SECRET}`);
    await until('the pretty access line', () => /request completed GET/.test(p.output()));
    await p.stop();
    assert.match(p.output(), /^\[.*\] INFO: patd is listening \{"url":"http/m);
    assert.ok(!p.output().split('\n').some((l) => l.startsWith('{')), 'pretty on a pipe when asked');
    assert.ok(!p.output().includes(SECRET));
  });

  test('patd user passwd asks twice without echo on a terminal and ends the sessions of the user', async () => {
    const s = await spawnServe(BIN, ['serve'], env);
    servers.push(s);
    const old = await signInHttp(s.url, 'admin', PASSWORD);
    assert.equal((await api(s.url, old, 'GET', '/session')).status, 200);
    const NEW = 'a-new-password-typed-1';
    const t = onTerminal(`${BIN} user passwd admin`, { ...env });
    await until('the prompt', () => t.output().endsWith('New password for admin: '));
    t.child.stdin.write(`${NEW}\r`);
    await until('the second prompt', () => t.output().endsWith('Repeat it: '));
    t.child.stdin.write(`${NEW}\r`);
    assert.equal(await t.exited, 0, t.output());
    assert.ok(!t.output().includes(NEW), `the password is not echoed: ${JSON.stringify(t.output())}`);
    assert.match(t.output(), /set the password of admin; their sessions have ended/);
    assert.equal((await api(s.url, old, 'GET', '/session')).status, 401, 'the old session ended');
    await signInHttp(s.url, 'admin', NEW);

    // Two different answers change nothing.
    const m = onTerminal(`${BIN} user passwd admin`, { ...env });
    await until('the prompt', () => m.output().endsWith('New password for admin: '));
    m.child.stdin.write('first-answer-1\r');
    await until('the second prompt', () => m.output().endsWith('Repeat it: '));
    m.child.stdin.write('second-answer-2\r');
    assert.equal(await m.exited, 1);
    assert.match(m.output(), /the two passwords differ; nothing was changed/);
    await signInHttp(s.url, 'admin', NEW);
  });
});
