import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { dialects } from '../helpers/db.js';
import { ADMIN_PASSWORD, type Auth, addUser, createToken, startTestPatd, type TestPatd } from '../helpers/harness.js';

/** Runs src/cli/main.ts (not dist) against the test database. */
function cli(p: TestPatd, args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', '-e', "import('./src/cli/main.ts').then(async (m) => { process.exitCode = await m.main(process.argv.slice(1)); })", ...args], {
    env: { ...process.env, PATD_DATA_DIR: p.db.dataDir, PATD_DATABASE_URL: p.db.url, PATD_SECRET: 'test-secret-test-secret-test-secret-0123', PATD_LOG_LEVEL: 'silent' },
    encoding: 'utf8',
  });
}

for (const dialect of await dialects()) {
  describe(`audit API (${dialect})`, () => {
    let p: TestPatd;
    let admin: Auth;
    let dan: { id: string; auth: Auth };
    let eve: { id: string; auth: Auth };
    const secrets: string[] = [];
    before(async () => {
      p = await startTestPatd(dialect);
      admin = await p.signIn('admin', ADMIN_PASSWORD);
      dan = await addUser(p, admin, 'dan');
      eve = await addUser(p, admin, 'eve');
      await p.req('POST', '/api/v1/orgs', { auth: dan.auth, body: { name: 'dans' } });
      await p.req('PUT', '/api/v1/orgs/dans/members/eve', { auth: admin, body: { role: 'member' } });
      for (let i = 0; i < 5; i++) {
        p.clock.advance(1_000);
        secrets.push((await createToken(p, eve.auth, { name: `eve-${i}`, scopes: ['code:read', 'audit:read'], orgs: ['dans'] })).secret);
      }
      secrets.push((await createToken(p, dan.auth, { name: 'dan-audit', scopes: ['audit:read'], orgs: ['dans'] })).secret);
      secrets.push((await createToken(p, dan.auth, { name: 'dan-noaudit', scopes: ['code:read'], orgs: ['dans'] })).secret);
    });
    after(() => p.stop());

    test('org admins read their org, filtered and paged, as JSON, JSON lines or CSV', async () => {
      const all = await p.req('GET', '/api/v1/orgs/dans/audit?action=token.created&limit=4', { auth: dan.auth });
      assert.equal(all.statusCode, 200);
      const first = all.json();
      assert.equal(first.items.length, 4);
      assert.ok(first.nextCursor);
      const second = (await p.req('GET', `/api/v1/orgs/dans/audit?action=token.created&limit=4&cursor=${first.nextCursor}`, { auth: dan.auth })).json();
      assert.equal(first.items.length + second.items.length, 7);
      assert.ok(first.items[0].at >= first.items[2].at, 'newest first');
      assert.ok(first.items.every((e: { orgs: string[] }) => e.orgs.includes('dans')));
      const byEve = (await p.req('GET', '/api/v1/orgs/dans/audit?actor=eve&action=token.*', { auth: dan.auth })).json().items;
      assert.equal(byEve.length, 5);
      const since = new Date(p.clock.now() - 2_500).toISOString();
      const recent = (await p.req('GET', `/api/v1/orgs/dans/audit?action=token.created&since=${since}`, { auth: dan.auth })).json().items;
      assert.ok(recent.length >= 2 && recent.length < 7);
      const jsonl = await p.req('GET', '/api/v1/orgs/dans/audit?format=jsonl&action=token.created', { auth: dan.auth });
      assert.match(jsonl.headers['content-type'] as string, /ndjson/);
      assert.equal(jsonl.body.trim().split('\n').map((l) => JSON.parse(l)).length, 7);
      const csv = await p.req('GET', '/api/v1/orgs/dans/audit?format=csv&action=token.created', { auth: dan.auth });
      assert.match(csv.headers['content-type'] as string, /text\/csv/);
      assert.equal(csv.body.trim().split('\r\n').length, 8);
      assert.match(csv.body.split('\r\n')[0]!, /^id,at,action,actor_type/);
      assert.equal((await p.req('GET', '/api/v1/orgs/dans/audit?since=yesterday', { auth: dan.auth })).statusCode, 400);
    });

    test('who may read: org admin (session or audit:read PAT); not members, outsiders or PATs without the scope', async () => {
      assert.equal((await p.req('GET', '/api/v1/orgs/dans/audit', { auth: { token: secrets[5]! } })).statusCode, 200);
      assert.equal((await p.req('GET', '/api/v1/orgs/dans/audit', { auth: { token: secrets[6]! } })).statusCode, 403);
      assert.equal((await p.req('GET', '/api/v1/orgs/dans/audit', { auth: eve.auth })).statusCode, 403);
      const outsider = await addUser(p, admin, 'mallory');
      assert.equal((await p.req('GET', '/api/v1/orgs/dans/audit', { auth: outsider.auth })).statusCode, 404);
      assert.equal((await p.req('GET', '/api/v1/orgs/dans/audit')).statusCode, 401);
    });

    test('each user reads the events about their own account at /me/audit', async () => {
      const mine = (await p.req('GET', '/api/v1/me/audit?limit=200', { auth: eve.auth })).json().items as { subjectUserId: string; action: string }[];
      assert.ok(mine.length >= 6);
      assert.ok(mine.every((e) => e.subjectUserId === eve.id));
      assert.equal((await p.req('GET', '/api/v1/me/audit', { auth: { token: secrets[0]! } })).statusCode, 200);
      assert.equal((await p.req('GET', '/api/v1/me/audit', { auth: { token: secrets[6]! } })).statusCode, 403);
    });

    test('failed token uses are recorded sampled: a flood makes one event per (ip, code) per minute with a count; rotated secrets are recorded for the owner', async () => {
      const countFailed = async () => (await p.store.r.audit.query({ action: 'auth.failed', order: 'desc' }, { limit: 1000, cursor: null })).items.filter((e) => e.details.code === 'token_invalid');
      const before = (await countFailed()).length;
      for (let i = 0; i < 50; i++) await p.req('GET', '/api/v1/me', { auth: { token: `patd_${'x'.repeat(10)}${i}` } });
      await p.notifications.failures.flush();
      assert.equal((await countFailed()).length - before, 1, 'one event for the first failure');
      p.clock.advance(61_000);
      await p.notifications.failures.flush();
      const after = await countFailed();
      assert.equal(after.length - before, 2, JSON.stringify(after.slice(0, 3)));
      assert.equal(after[0]!.details.count, 49, 'the rest are counted');
      // Regenerate, then use the old secret: token_rotated, in the owner's audit.
      const t = await createToken(p, eve.auth, { name: 'rotating', scopes: ['profile:read'], orgs: ['dans'] });
      const regen = await p.req('POST', `/api/v1/tokens/${t.id}/regenerate`, { auth: eve.auth, body: {} });
      assert.equal(regen.statusCode, 200);
      const res = await p.req('GET', '/api/v1/me', { auth: { token: t.secret } });
      assert.equal(res.json().code, 'token_rotated');
      await p.notifications.failures.flush();
      const mine = (await p.req('GET', '/api/v1/me/audit?action=auth.failed', { auth: eve.auth })).json().items;
      assert.equal(mine.length, 1);
      assert.equal(mine[0].details.code, 'token_rotated');
      assert.equal(mine[0].target.id, t.id);
      secrets.push(t.secret, regen.json().secret);
    });

    test('no secret ever appears in an event; patd audit export writes JSON lines', async () => {
      const r = cli(p, ['audit', 'export', '--org', 'dans']);
      assert.equal(r.status, 0, r.stderr);
      const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
      assert.ok(lines.length >= 8);
      assert.ok(lines[0].at <= lines.at(-1).at, 'oldest first');
      const all = cli(p, ['audit', 'export']);
      for (const s of secrets) assert.ok(!all.stdout.includes(s) && !all.stdout.includes(s.slice(5, 35)), 'no secret in the audit trail');
      const bad = cli(p, ['audit', 'export', '--org', 'nope']);
      assert.equal(bad.status, 1);
      assert.equal(bad.stderr.trim().split('\n').length, 1);
      const help = cli(p, ['audit', 'export', '--help']);
      assert.equal(help.status, 0);
      assert.match(help.stdout, /--since/);
    });
  });
}
