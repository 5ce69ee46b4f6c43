import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createTestDb, dialects, type TestDb } from '../helpers/db.js';
import { type CommandResult, runCommand } from '../helpers/run-command.js';

const BIN = fileURLToPath(new URL('../../bin/patd', import.meta.url));
const PKG = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

const patd = (args: string[], env: Record<string, string | undefined> = {}, o: { cwd?: string; stdin?: string } = {}): Promise<CommandResult> =>
  runCommand(BIN, args, { cwd: o.cwd, stdin: o.stdin, env: { ...process.env, PATD_LOG_LEVEL: 'warn', ...env } });

/** Runs `fn` over `items`, `n` at a time (child processes are the slow part). */
async function pool<T>(items: T[], n: number, fn: (t: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  await Promise.all(Array.from({ length: n }, async () => {
    for (let t = queue.shift(); t !== undefined; t = queue.shift()) await fn(t);
  }));
}

interface Case {
  args: string[];
  exit: number;
  /** The `code` of the --json error. */
  code: string;
  msg: RegExp;
  stdin?: string;
}

const usage = (args: string[], msg: RegExp): Case => ({ args, exit: 2, code: 'usage', msg });

/**
 * Every command: whether it needs an existing database, and bad input with the exit status and
 * error it must give. A command missing here fails the test: add its row.
 */
const COMMANDS: Record<string, { db: boolean; bad: Case[] }> = {
  serve: { db: false, bad: [usage(['serve', '--bogus'], /Unknown option '--bogus'/)] },
  migrate: { db: false, bad: [usage(['migrate', '--bogus'], /Unknown option/)] },
  'user add': { db: true, bad: [
    usage(['user', 'add', 'bob'], /a username and --email are required/),
    usage(['user', 'add', 'bob', '--email', 'b@x.test', '--password', 'p', '--generate-password'], /only one of/),
    { args: ['user', 'add', 'bob', '--email', 'not-an-email'], exit: 1, code: 'validation_failed', msg: /email/ },
  ] },
  'user list': { db: true, bad: [usage(['user', 'list', '--status', 'x'], /Unknown option '--status'/)] },
  'user disable': { db: true, bad: [usage(['user', 'disable'], /a username is required/), { args: ['user', 'disable', 'nobody'], exit: 1, code: 'not_found', msg: /no user "nobody"/ }] },
  'user passwd': { db: true, bad: [
    usage(['user', 'passwd'], /one USERNAME is required/),
    usage(['user', 'passwd', 'alice', '--password', 'x'], /Unknown option '--password'/),
    { args: ['user', 'passwd', 'nobody'], exit: 1, code: 'not_found', msg: /no user "nobody"/, stdin: 'long-enough-1\n' },
    { args: ['user', 'passwd', 'alice'], exit: 1, code: 'validation_failed', msg: /password must be 8–1024 characters/, stdin: 'short\n' },
    usage(['user', 'passwd', 'alice'], /no password on stdin/),
  ] },
  'org add': { db: true, bad: [usage(['org', 'add', 'beta'], /--owner are required/), { args: ['org', 'add', 'api', '--owner', 'alice'], exit: 1, code: 'reserved_name', msg: /reserved/ }] },
  'org list': { db: true, bad: [usage(['org', 'list', '--owner', 'x'], /Unknown option '--owner'/)] },
  'org invite': { db: true, bad: [
    usage(['org', 'invite', 'acme'], /expected ORG USERNAME/),
    usage(['org', 'invite', 'acme', 'alice', '--role', 'king'], /--role must be member, admin or owner/),
    { args: ['org', 'invite', 'nope', 'alice'], exit: 1, code: 'not_found', msg: /no org "nope"/ },
  ] },
  'org members': { db: true, bad: [usage(['org', 'members'], /expected ORG/), { args: ['org', 'members', 'nope'], exit: 1, code: 'not_found', msg: /no org "nope"/ }] },
  'org leave': { db: true, bad: [usage(['org', 'leave', 'acme'], /--user is required/), { args: ['org', 'leave', 'acme', '--user', 'nobody'], exit: 1, code: 'not_found', msg: /"nobody" is not a member/ }] },
  'service-account add': { db: true, bad: [usage(['service-account', 'add', 'acme'], /ORG and USERNAME are required/), { args: ['service-account', 'add', 'nope', 'svc'], exit: 1, code: 'not_found', msg: /no org "nope"/ }] },
  'service-account list': { db: true, bad: [usage(['service-account', 'list'], /ORG is required/)] },
  'service-account remove': { db: true, bad: [usage(['service-account', 'remove', 'acme'], /ORG and USERNAME are required/), { args: ['service-account', 'remove', 'acme', 'nosuch'], exit: 1, code: 'not_found', msg: /no service account "nosuch"/ }] },
  'token create': { db: true, bad: [
    usage(['token', 'create', '--name', 'x'], /--user is required/),
    usage(['token', 'create', '--user', 'alice', '--name', 'x', '--scopes', 'code:read', '--expires-in', 'soon'], /--expires-in must be a whole number/),
    { args: ['token', 'create', '--user', 'alice', '--name', 'x', '--scopes', 'code:fly'], exit: 1, code: 'unknown_scope', msg: /unknown scope "code:fly"/ },
  ] },
  'token list': { db: true, bad: [usage(['token', 'list'], /--user is required/), usage(['token', 'list', '--user', 'alice', '--status', 'old'], /--status must be/)] },
  'token revoke': { db: true, bad: [usage(['token', 'revoke'], /a token id is required/), { args: ['token', 'revoke', 'tok_nope'], exit: 1, code: 'failed', msg: /no token tok_nope/ }] },
  'token edit': { db: true, bad: [
    usage(['token', 'edit', 'tok_x'], /nothing to change/),
    usage(['token', 'edit', 'tok_x', '--expires-in', '5', '--expires-at', '2030-01-01'], /not both/),
    { args: ['token', 'edit', 'tok_nope', '--name', 'x'], exit: 1, code: 'not_found', msg: /no token tok_nope/ },
    { args: ['token', 'edit', 'TOKEN', '--scopes', 'code:fly'], exit: 1, code: 'unknown_scope', msg: /unknown scope/ },
  ] },
  'token renew': { db: true, bad: [
    usage(['token', 'renew'], /one TOKEN_ID is required/),
    usage(['token', 'renew', 'tok_x', '--expires-in', '1.5'], /whole number of days/),
    { args: ['token', 'renew', 'TOKEN', '--expires-in', '9999'], exit: 1, code: 'invalid_expiry', msg: /./ },
  ] },
  'token regenerate': { db: true, bad: [
    usage(['token', 'regenerate', 'tok_x', '--grace', 'long'], /--grace must be a whole number/),
    { args: ['token', 'regenerate', 'TOKEN', '--grace', '999999'], exit: 1, code: 'validation_failed', msg: /graceSeconds/ },
    { args: ['token', 'regenerate', 'tok_nope'], exit: 1, code: 'not_found', msg: /no token/ },
  ] },
  'client add': { db: true, bad: [usage(['client', 'add'], /one client NAME is required/)] },
  'client list': { db: true, bad: [usage(['client', 'list', '--all'], /Unknown option/)] },
  'client remove': { db: true, bad: [usage(['client', 'remove'], /a CLIENT_ID is required/), { args: ['client', 'remove', 'rs_nope'], exit: 1, code: 'not_found', msg: /./ }] },
  scan: { db: false, bad: [usage(['scan', '/nonexistent/path'], /cannot read \/nonexistent\/path/)] },
  'audit export': { db: true, bad: [{ args: ['audit', 'export', '--org', 'nope'], exit: 1, code: 'failed', msg: /no org "nope"/ }] },
  backup: { db: false, bad: [usage(['backup'], /one DEST folder is required/)] },
  restore: { db: false, bad: [usage(['restore'], /one SRC folder is required/), { args: ['restore', '/nonexistent'], exit: 1, code: 'failed', msg: /is not a patd backup/ }] },
  'repo add': { db: true, bad: [usage(['repo', 'add', 'acme'], /expected ORG NAME/), { args: ['repo', 'add', 'nope/web'], exit: 1, code: 'not_found', msg: /no org "nope"/ }] },
  'repo list': { db: true, bad: [usage(['repo', 'list'], /expected ORG/)] },
  'repo remove': { db: true, bad: [usage(['repo', 'remove', 'acme'], /expected ORG NAME/)] },
  login: { db: false, bad: [usage(['login'], /--url is required/), usage(['login', '--url', 'ftp://x'], /--url must be an http\(s\) URL/)] },
  logout: { db: false, bad: [usage(['logout'], /not signed in/)] },
  whoami: { db: false, bad: [usage(['whoami'], /not signed in/)] },
};

describe('bin/patd: the contract of every command', () => {
  let db: TestDb;
  let env: Record<string, string>;
  let tokenId: string;
  const config = mkdtempSync(join(tmpdir(), 'patd-cli-xdg-'));
  before(async () => {
    db = await createTestDb('sqlite');
    env = { PATD_DATA_DIR: db.dataDir, PATD_DATABASE_URL: '', XDG_CONFIG_HOME: config, PATD_URL: '' };
    for (const args of [['migrate'], ['user', 'add', 'alice', '--email', 'alice@x.test'], ['org', 'add', 'acme', '--owner', 'alice']]) {
      const r = await patd(args, env);
      assert.equal(r.code, 0, r.err);
    }
    const t = await patd(['token', 'create', '--user', 'alice', '--name', 'ci', '--scopes', 'code:read', '--json'], env);
    tokenId = JSON.parse(t.out).token.id;
  });
  after(async () => {
    await db.drop();
    rmSync(config, { recursive: true, force: true });
  });

  test('patd --help lists every command, the exit statuses and --version; every command has a row here', async () => {
    const h = await patd(['--help']);
    assert.equal(h.code, 0);
    const listed = h.out.split('Commands:\n')[1]?.split('\n\n')[0]?.split('\n').map((l) => l.trim().split(/\s{2,}/)[0]) ?? [];
    assert.deepEqual([...listed].sort(), Object.keys(COMMANDS).sort(), 'a command without a row in this table, or a row without a command');
    assert.match(h.out, /Exit status:\n\s+0\s+success\n\s+1\s+.*\n\s+2\s+usage error.*\n\s+3\s+configuration or database.*\n\s+130\s+cancelled/);
    for (const v of [['--version'], ['-V']]) assert.deepEqual(await patd(v), { code: 0, signal: null, out: `${PKG.version}\n`, err: '' });
  });

  test('every command: --help shows its usage and a description for every option; docs/cli.md has the same', async () => {
    const doc = readFileSync(new URL('../../docs/cli.md', import.meta.url), 'utf8');
    await pool(Object.keys(COMMANDS), 4, async (name) => {
      const r = await patd([...name.split(' '), '--help']);
      const section = doc.split(`#### \`patd ${name}\`\n`)[1]?.split('\n#### ')[0];
      assert.ok(section, `docs/cli.md has a section for patd ${name}`);
      for (const flag of r.out.match(/^ {2}--[a-z-]+/gm) ?? []) assert.ok(section.includes(flag.trim()), `docs/cli.md: patd ${name} ${flag.trim()}`);
      assert.equal(r.code, 0, name);
      assert.match(r.out, new RegExp(`Usage: patd ${name}`), name);
      const opts = r.out.split('Options:\n')[1]?.split('\n\n')[0]?.split('\n').filter(Boolean) ?? [];
      assert.ok(opts.some((l) => /^ {2}--help, -h\s+show this help$/.test(l)), `${name}: --help`);
      for (const l of opts) assert.match(l, /^ {2}--[a-z-]+(, -[a-zA-Z])?( [A-Za-z,.|*]+)?\s{2,}\S.{5,}$/, `${name}: option without a description: "${l}"`);
      for (const flag of r.out.split('Usage:')[1]?.split('\n')[0]?.match(/--[a-z-]+/g) ?? []) {
        assert.ok(opts.some((l) => l.startsWith(`  ${flag}`)), `${name}: ${flag} is in the usage but not described`);
      }
    });
  });

  test('every command: bad input gives its exit status and one line, or a JSON error with --json', async () => {
    const cases = Object.entries(COMMANDS).flatMap(([name, c]) => c.bad.map((b) => ({ name, ...b })));
    await pool(cases, 4, async (c) => {
      const args = c.args.map((a) => (a === 'TOKEN' ? tokenId : a));
      const plain = await patd(args, env, { stdin: c.stdin });
      const label = args.join(' ');
      assert.equal(plain.code, c.exit, `${label}: ${plain.err}`);
      assert.match(plain.err, c.msg, label);
      assert.ok(plain.err.trim().split('\n').length <= 2, `${label}: one line (and the usage): ${plain.err}`);
      assert.ok(!/\n\s+at .*:\d+/.test(plain.err), `${label}: no stack trace`);
      const json = await patd([...args, '--json'], env, { stdin: c.stdin });
      assert.equal(json.code, c.exit, `${label} --json`);
      assert.equal(json.out, '', `${label} --json: nothing on stdout`);
      const e = JSON.parse(json.err) as { error: { code: string; message: string } };
      assert.equal(e.error.code, c.code, `${label} --json`);
      assert.match(e.error.message, c.msg, `${label} --json`);
    });
  });

  test('commands that need a database refuse to create one, and name the path they looked at', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'patd-cli-elsewhere-'));
    try {
      const noDb = { PATD_DATA_DIR: undefined, PATD_DATABASE_URL: undefined, XDG_CONFIG_HOME: config };
      const needing = Object.entries(COMMANDS).filter(([, c]) => c.db).map(([name]) => name);
      await pool(needing, 4, async (name) => {
        // Arguments good enough to reach the database.
        const args = [...name.split(' '), ...({
          'user add': ['bob', '--email', 'b@x.test'], 'user disable': ['bob'], 'user passwd': ['bob'], 'org add': ['o', '--owner', 'bob'],
          'token create': ['--user', 'bob', '--name', 'n', '--scopes', 'code:read'], 'token list': ['--user', 'bob'], 'token revoke': ['tok_x'],
          'token edit': ['tok_x', '--name', 'n'], 'token renew': ['tok_x'], 'token regenerate': ['tok_x'], 'client add': ['c'], 'client remove': ['rs_x'],
          'repo add': ['acme', 'web'], 'repo list': ['acme'], 'repo remove': ['acme', 'web'],
          'org invite': ['acme', 'bob'], 'org members': ['acme'], 'org leave': ['acme', '--user', 'bob'],
          'service-account add': ['acme', 'svc'], 'service-account list': ['acme'], 'service-account remove': ['acme', 'svc'],
        } as Record<string, string[]>)[name] ?? []];
        const r = await patd(args, noDb, { cwd, stdin: 'long-enough-1\n' });
        assert.equal(r.code, 3, `${name}: ${r.err}`);
        assert.equal(r.err, `patd ${name}: PATD_DATA_DIR: no patd database at ${join(cwd, 'data', 'patd.db')}; point PATD_DATA_DIR at the one "patd serve" uses, or create it with "patd migrate"\n`);
        const j = await patd([...args, '--json'], noDb, { cwd, stdin: 'long-enough-1\n' });
        assert.equal(j.code, 3);
        assert.equal(JSON.parse(j.err).error.code, 'config');
      });
      assert.ok(!existsSync(join(cwd, 'data')), 'no data folder was created');
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });

  test('configuration and data-folder errors name the variable and the cause (exit 3)', async () => {
    const file = join(db.dataDir, 'a-file');
    writeFileSync(file, 'not a folder');
    const cases: [Record<string, string>, string[], RegExp][] = [
      [{ PATD_DATABASE_URL: 'postgres://nope' }, ['user', 'list'], /^patd user list: PATD_DATABASE_URL: cannot connect to postgres:\/\/nope \(getaddrinfo (ENOTFOUND|EAI_AGAIN) nope\)\n$/],
      [{ PATD_DATABASE_URL: 'postgres://bob:hunter2@127.0.0.1:1/patd' }, ['migrate'], /^patd migrate: PATD_DATABASE_URL: cannot connect to postgres:\/\/bob:\*\*\*@127\.0\.0\.1:1\/patd \(.*ECONNREFUSED.*\)\n$/],
      [{ PATD_DATA_DIR: join(file, 'data'), PATD_DATABASE_URL: '' }, ['migrate'], /^patd migrate: PATD_DATA_DIR: the folder .*a-file\/data cannot be used: a part of its path is a file, not a folder \(ENOTDIR\)\n$/],
      [{ PATD_DATA_DIR: join(file, 'data'), PATD_DATABASE_URL: '' }, ['serve'], /^patd serve: PATD_DATA_DIR: the folder .*a-file\/data cannot be used: a part of its path is a file, not a folder \(ENOTDIR\)\n$/],
      [{ PATD_LOG_FORMAT: 'xml' }, ['user', 'list'], /PATD_LOG_FORMAT must be json or pretty/],
      [{ PATD_PORT: 'eighty' }, ['serve'], /PATD_PORT must be a whole number/],
    ];
    await pool(cases, 3, async ([e, args, re]) => {
      const r = await patd(args, { ...env, ...e });
      assert.equal(r.code, 3, `${args.join(' ')} ${JSON.stringify(e)}: ${r.err}`);
      assert.match(r.err, re);
      assert.ok(!r.err.includes('hunter2'), 'never the password');
      if (args[0] === 'serve') return; // serve prints no data: it has no --json
      const j = await patd([...args, '--json'], { ...env, ...e });
      assert.equal(j.code, 3);
      assert.equal(JSON.parse(j.err).error.code, 'config');
    });
  });
});

for (const dialect of (await dialects()).filter((d) => d === 'postgres')) {
  describe(`bin/patd on an empty ${dialect} database`, () => {
    test('a command that needs the database refuses to create patd tables there; migrate creates them', async () => {
      const db = await createTestDb(dialect);
      try {
        const env = { PATD_DATA_DIR: db.dataDir, PATD_DATABASE_URL: db.url };
        const r = await patd(['user', 'list', '--json'], env);
        assert.equal(r.code, 3);
        assert.match(JSON.parse(r.err).error.message, /^PATD_DATABASE_URL: postgres:\/\/.* has no patd tables yet; .*"patd migrate"/);
        assert.equal((await patd(['migrate'], env)).code, 0);
        assert.deepEqual(JSON.parse((await patd(['org', 'list', '--json'], env)).out), []);
      } finally {
        await db.drop();
      }
    });
  });
}
