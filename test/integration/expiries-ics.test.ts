import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { dialects } from '../helpers/db.js';
import { ADMIN_PASSWORD, type Auth, addUser, createToken, startTestPatd, T0, type TestPatd } from '../helpers/harness.js';

const DAY = 86_400_000;

/** RFC 5545 §3.1: undo line folding. */
const unfold = (ics: string) => ics.replace(/\r\n[ \t]/g, '');
const events = (ics: string) => unfold(ics).split('BEGIN:VEVENT').slice(1).map((e) => e.split('END:VEVENT')[0] ?? '');
const prop = (event: string, name: string) => event.split('\r\n').find((l) => l.startsWith(`${name}:`) || l.startsWith(`${name};`))?.replace(/^[^:]*:/, '');

for (const dialect of await dialects()) {
  describe(`GET /api/v1/tokens/expiries.ics (${dialect})`, () => {
    let p: TestPatd;
    let carol: { id: string; auth: Auth };
    before(async () => {
      p = await startTestPatd(dialect, { env: { PATD_EXPIRY_WARNING_DAYS: '30,7', PATD_PUBLIC_URL: 'https://patd.example.test' } });
      const admin = await p.signIn('admin', ADMIN_PASSWORD);
      carol = await addUser(p, admin, 'carol');
      await addUser(p, admin, 'dave').then((d) => createToken(p, d.auth, { name: 'not carol', scopes: ['code:read'] }));
    });
    after(() => p.stop());

    test("one event per active token at its expiry, with the mails' reminders, escaped and folded", async () => {
      const long = await createToken(p, carol.auth, { name: 'deploy; prod, eu — ünïcødé and a name long enough to need folding', scopes: ['code:read', 'packaging:read'], expiresInDays: 90 });
      const week = await createToken(p, carol.auth, { name: 'short', scopes: ['code:read'], expiresInDays: 7 });
      const gone = await createToken(p, carol.auth, { name: 'revoked one', scopes: ['code:read'] });
      assert.equal((await p.req('DELETE', `/api/v1/tokens/${gone.id}`, { auth: carol.auth })).statusCode, 204);

      const res = await p.req('GET', '/api/v1/tokens/expiries.ics', { auth: carol.auth });
      assert.equal(res.statusCode, 200);
      assert.match(String(res.headers['content-type']), /^text\/calendar; charset=utf-8/);
      const ics = res.body;
      assert.ok(ics.startsWith('BEGIN:VCALENDAR\r\nVERSION:2.0\r\n'));
      assert.ok(ics.endsWith('END:VCALENDAR\r\n'));
      for (const line of ics.split('\r\n')) assert.ok(Buffer.byteLength(line) <= 75, `line over 75 octets: ${line}`);
      assert.ok(!/[^\r]\n/.test(ics), 'every line ends in CRLF');

      const evs = events(ics);
      assert.equal(evs.length, 2, 'the revoked token and the other user\'s token are not in the feed');
      const [first, second] = evs as [string, string];
      // Sorted by expiry: the 7-day token first.
      assert.equal(prop(first, 'UID'), `${week.id}@patd.example.test`);
      assert.equal(prop(first, 'DTSTART'), new Date(T0 + 7 * DAY).toISOString().replace(/[-:]/g, '').replace('.000', ''));
      assert.deepEqual(first.match(/TRIGGER[^\r]*/g), null, 'a 7-day token gets neither the 30- nor the 7-day reminder');
      assert.equal(prop(second, 'UID'), `${long.id}@patd.example.test`);
      assert.equal(prop(second, 'SUMMARY'), 'patd token "deploy\\; prod\\, eu — ünïcødé and a name long enough to need folding" expires');
      assert.deepEqual(second.match(/TRIGGER[^\r]*/g), ['TRIGGER;RELATED=START:-P30D', 'TRIGGER;RELATED=START:-P7D']);
      assert.equal(prop(second, 'URL'), `https://patd.example.test/tokens/${long.id}`);
      assert.match(prop(second, 'DESCRIPTION') ?? '', /Scopes: code:read\\, packaging:read\\nOrganizations: all your organizations/);
      assert.ok(!ics.includes(long.secret) && !ics.includes(week.secret));
    });

    test('renewing moves the event (same UID)', async () => {
      const t = await createToken(p, carol.auth, { name: 'renew me', scopes: ['code:read'], expiresInDays: 30 });
      const later = new Date(T0 + 200 * DAY).toISOString();
      assert.equal((await p.req('PATCH', `/api/v1/tokens/${t.id}`, { auth: carol.auth, body: { expiresAt: later } })).statusCode, 200);
      const ev = events((await p.req('GET', '/api/v1/tokens/expiries.ics', { auth: carol.auth })).body).find((e) => prop(e, 'UID')?.startsWith(t.id));
      assert.equal(prop(ev ?? '', 'DTSTART'), later.replace(/[-:]/g, '').replace('.000', ''));
    });

    test('a calendar app subscribes with Basic and a tokens:read PAT; others are refused', async () => {
      const reader = await createToken(p, carol.auth, { name: 'calendar', scopes: ['tokens:read'] });
      const ok = await p.req('GET', '/api/v1/tokens/expiries.ics', { auth: { basic: reader.secret } });
      assert.equal(ok.statusCode, 200);
      assert.ok(events(ok.body).some((e) => prop(e, 'UID')?.startsWith(reader.id)));
      const none = await p.req('GET', '/api/v1/tokens/expiries.ics');
      assert.equal(none.statusCode, 401);
      assert.match(String(none.headers['www-authenticate']), /^Basic realm="patd"/);
      const wrong = await createToken(p, carol.auth, { name: 'no scope', scopes: ['code:read'] });
      const denied = await p.req('GET', '/api/v1/tokens/expiries.ics', { auth: { token: wrong.secret } });
      assert.equal(denied.statusCode, 403);
      assert.equal(denied.json().code, 'insufficient_scope');
    });
  });
}
