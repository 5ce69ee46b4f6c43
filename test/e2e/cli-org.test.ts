import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { dialects } from '../helpers/db.js';
import { ADMIN_PASSWORD, type Auth, addUser, startTestPatd, type TestPatd } from '../helpers/harness.js';
import { type SmtpListener, startSmtp } from '../helpers/smtp.js';

const BIN = fileURLToPath(new URL('../../bin/patd', import.meta.url));

for (const dialect of await dialects()) {
  describe(`bin/patd org invite|members|leave (${dialect})`, () => {
    let smtp: SmtpListener;
    let p: TestPatd;
    let admin: Auth;
    let bob: { id: string; auth: Auth };
    const run = (...args: string[]) => {
      const r = spawnSync(BIN, args, {
        env: { ...process.env, PATD_DATA_DIR: p.db.dataDir, PATD_DATABASE_URL: p.db.url, PATD_SECRET: 'test-secret-test-secret-test-secret-0123', PATD_LOG_LEVEL: 'warn' },
        encoding: 'utf8',
      });
      return { code: r.status, out: r.stdout, err: r.stderr };
    };
    before(async () => {
      smtp = await startSmtp();
      p = await startTestPatd(dialect, { env: { PATD_SMTP_URL: smtp.url, PATD_PUBLIC_URL: 'https://patd.example.test', PATD_ORG_CREATION: 'admins' } });
      // The CLI runs on the system clock: the server's clock agrees, so what the CLI queues is due and its invitations unexpired.
      p.clock.set(Date.now());
      admin = await p.signIn('admin', ADMIN_PASSWORD);
      await addUser(p, admin, 'alice');
      bob = await addUser(p, admin, 'bob');
    });
    after(async () => {
      await p.stop();
      await smtp.close();
    });

    test('--help describes every option', () => {
      const cases: [string[], string[]][] = [
        [['org', 'invite'], ['--role', '--json']], [['org', 'members'], ['--json']], [['org', 'leave'], ['--user', '--json']],
        [['org', 'add'], ['--owner', '--display-name', '--json']],
      ];
      for (const [cmd, opts] of cases) {
        const h = run(...cmd, '--help');
        assert.equal(h.code, 0, cmd.join(' '));
        assert.match(h.out, /Usage: patd org /);
        for (const o of opts) assert.match(h.out, new RegExp(`^ {2}${o}( [A-Z]+)?\\s{2,}\\S`, 'm'), `${cmd.join(' ')} describes ${o}`);
      }
      assert.match(run('--help').out, /org invite[\s\S]*org members[\s\S]*org leave/);
    });

    test('org add works for the operator whatever PATD_ORG_CREATION says; invite queues one mail the server sends', async () => {
      assert.equal(run('org', 'add', 'acme', '--owner', 'alice').code, 0, 'the API would refuse alice (admins only)');
      const r = run('org', 'invite', 'acme', 'bob', '--role', 'admin', '--json');
      assert.equal(r.code, 0, r.err);
      const inv = JSON.parse(r.out);
      assert.deepEqual([inv.org, inv.username, inv.role, inv.invitedBy, inv.status], ['acme', 'bob', 'admin', 'cli', 'pending']);
      // Queued by another process in the database: the server's outbox delivers it.
      p.clock.set(Date.now());
      await p.notifications.outbox.drain();
      const mails = smtp.mails.filter((m) => m.subject.includes('invited you'));
      assert.equal(mails.length, 1);
      assert.match(mails[0]!.text, /An operator of patd invited you \(bob\) to join the organization acme as admin/);
      assert.match(mails[0]!.text, /https:\/\/patd\.example\.test\/account/);
      const accept = await p.req('POST', `/api/v1/me/invitations/${inv.id}`, { auth: bob.auth, body: { action: 'accept' } });
      assert.equal(accept.statusCode, 200, accept.body);
      const text = run('org', 'members', 'acme');
      assert.equal(text.code, 0, text.err);
      assert.match(text.out, /USERNAME\s+ROLE\s+SINCE/);
      const members = JSON.parse(run('org', 'members', 'acme', '--json').out).items;
      assert.deepEqual(members.map((m: { username: string; role: string }) => [m.username, m.role]).sort(), [['alice', 'owner'], ['bob', 'admin']]);
      const audit = (await p.req('GET', '/api/v1/orgs/acme/audit?action=org.invited', { auth: admin })).json().items;
      assert.deepEqual([audit[0]?.actor.type, audit[0]?.actor.name], ['system', 'cli']);
    });

    test('leave: a member leaves; the last owner cannot', async () => {
      const left = run('org', 'leave', 'acme', '--user', 'bob', '--json');
      assert.equal(left.code, 0, left.err);
      assert.deepEqual(JSON.parse(left.out), { org: 'acme', username: 'bob', removed: true });
      assert.equal((await p.req('GET', '/api/v1/orgs/acme', { auth: bob.auth })).statusCode, 404);
      const last = run('org', 'leave', 'acme', '--user', 'alice');
      assert.equal(last.code, 1);
      assert.match(last.err, /last owner/);
      assert.equal(last.err.trim().split('\n').length, 1);
    });

    test('bad input: one line on stderr, non-zero exit', () => {
      const cases: [string[], number, RegExp][] = [
        [['org', 'invite', 'acme'], 2, /expected ORG USERNAME/],
        [['org', 'invite', 'acme', 'bob', '--role', 'king'], 2, /--role must be member, admin or owner/],
        [['org', 'invite', 'nope', 'bob'], 1, /no org "nope"/],
        [['org', 'invite', 'acme', 'ghost'], 1, /no user "ghost"/],
        [['org', 'invite', 'acme', 'alice'], 1, /already a member/],
        [['org', 'members'], 2, /expected ORG/],
        [['org', 'leave', 'acme'], 2, /--user is required/],
        [['org', 'leave', 'acme', '--user', 'ghost'], 1, /not a member/],
        [['org', 'members', 'acme', '--bogus'], 2, /bogus/],
      ];
      for (const [args, code, re] of cases) {
        const r = run(...args);
        assert.equal(r.code, code, `${args.join(' ')}: ${r.err}`);
        assert.match(r.err, re, args.join(' '));
        assert.ok(r.err.trim().split('\n').length <= 2, `short error for ${args.join(' ')}: ${r.err}`);
        assert.ok(!/at .*\.js:\d+/.test(r.err), 'no stack trace');
      }
      const again = run('org', 'invite', 'acme', 'bob');
      assert.equal(again.code, 0, again.err);
      const twice = run('org', 'invite', 'acme', 'bob');
      assert.equal(twice.code, 1);
      assert.match(twice.err, /pending invitation/);
    });

    test('PATD_ORG_CREATION must be everyone or admins: one line naming the variable', () => {
      const r = spawnSync(BIN, ['org', 'members', 'acme'], { env: { ...process.env, PATD_DATA_DIR: p.db.dataDir, PATD_DATABASE_URL: p.db.url, PATD_ORG_CREATION: 'nobody' }, encoding: 'utf8' });
      assert.notEqual(r.status, 0);
      assert.match(r.stderr, /PATD_ORG_CREATION must be everyone or admins/);
      assert.equal(r.stderr.trim().split('\n').length, 1);
    });
  });
}
