import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DAY_MS } from '../../src/core/clock.js';
import { dialects } from '../helpers/db.js';
import { ADMIN_PASSWORD, type Auth, addUser, createToken, startTestPatd, type TestPatd } from '../helpers/harness.js';
import { type SmtpListener, startSmtp } from '../helpers/smtp.js';

const FAST = { outbox: { pollMs: 50, backoffMs: 1_000, maxBackoffMs: 8_000, maxAttempts: 3 } };
type U = { id: string; auth: Auth };

for (const dialect of await dialects()) {
  describe(`invitations: membership by consent (${dialect})`, () => {
    let smtp: SmtpListener;
    let p: TestPatd;
    let admin: Auth;
    let olga: U; // owner of fabrikam
    let erin: U; // admin of fabrikam
    let mia: U; // member of fabrikam
    before(async () => {
      smtp = await startSmtp();
      p = await startTestPatd(dialect, { env: { PATD_SMTP_URL: smtp.url, PATD_PUBLIC_URL: 'https://patd.example.test' }, overrides: { notifications: FAST } });
      admin = await p.signIn('admin', ADMIN_PASSWORD);
      olga = await addUser(p, admin, 'olga');
      erin = await addUser(p, admin, 'erin');
      mia = await addUser(p, admin, 'mia');
      assert.equal((await p.req('POST', '/api/v1/orgs', { auth: olga.auth, body: { name: 'fabrikam', displayName: 'Fabrikam Ltd' } })).statusCode, 201);
      // Only an instance admin adds directly.
      assert.equal((await p.req('PUT', '/api/v1/orgs/fabrikam/members/erin', { auth: admin, body: { role: 'admin' } })).statusCode, 200);
      assert.equal((await p.req('PUT', '/api/v1/orgs/fabrikam/members/mia', { auth: admin, body: { role: 'member' } })).statusCode, 200);
    });
    after(async () => {
      await p.stop();
      await smtp.close();
    });
    const invite = (auth: Auth, username: string, role = 'member') => p.req('POST', '/api/v1/orgs/fabrikam/invitations', { auth, body: { username, role } });
    const answer = (auth: Auth, id: string, action: string) => p.req('POST', `/api/v1/me/invitations/${id}`, { auth, body: { action } });
    const mine = async (auth: Auth) => (await p.req('GET', '/api/v1/me/invitations', { auth })).json().items as { id: string; org: string; role: string }[];
    const orgTokenIds = async (auth: Auth, user: string) => {
      const res = await p.req('GET', `/api/v1/orgs/fabrikam/tokens?user=${user}&status=all`, { auth });
      assert.equal(res.statusCode, 200, res.body);
      return res.json().items.map((t: { id: string }) => t.id) as string[];
    };

    test('an org admin cannot pull a non-member in: 403 invitation_required; their global tokens stay invisible and unrevocable', async () => {
      const victor = await addUser(p, admin, 'victor');
      const g = await createToken(p, victor.auth, { name: 'victor global', scopes: ['code:read'], orgs: '*' });
      for (const who of [olga, erin]) {
        const put = await p.req('PUT', '/api/v1/orgs/fabrikam/members/victor', { auth: who.auth, body: { role: 'member' } });
        assert.equal(put.statusCode, 403, put.body);
        assert.equal(put.json().code, 'invitation_required');
      }
      assert.deepEqual(await orgTokenIds(erin.auth, 'victor'), []);
      assert.equal((await p.req('DELETE', `/api/v1/orgs/fabrikam/tokens/${g.id}`, { auth: erin.auth })).statusCode, 404);
      assert.equal((await p.req('GET', `/api/v1/tokens/${g.id}`, { auth: victor.auth })).json().status, 'active');
      assert.equal((await p.req('GET', '/api/v1/orgs/fabrikam', { auth: victor.auth })).statusCode, 404, 'still not a member');
    });

    test('invite: the invitee is mailed once with the link; accepting makes them a member, and then the org admin sees their global tokens', async () => {
      const ivy = await addUser(p, admin, 'ivy');
      const g = await createToken(p, ivy.auth, { name: 'ivy global', scopes: ['orgs:read'], orgs: '*' });
      await p.notifications.outbox.drain(); // the token mails so far
      const before = smtp.mails.length;
      const res = await invite(erin.auth, 'ivy', 'admin');
      assert.equal(res.statusCode, 201, res.body);
      const inv = res.json();
      assert.match(inv.id, /^inv_/);
      assert.deepEqual([inv.org, inv.orgDisplayName, inv.username, inv.role, inv.invitedBy, inv.status], ['fabrikam', 'Fabrikam Ltd', 'ivy', 'admin', 'erin', 'pending']);
      assert.equal(Date.parse(inv.expiresAt) - p.clock.now(), 7 * DAY_MS);
      await p.notifications.outbox.drain();
      await p.notifications.outbox.drain();
      const mails = smtp.mails.slice(before);
      assert.equal(mails.length, 1, 'exactly one mail per invitation');
      const m = mails[0]!;
      assert.deepEqual(m.to, ['ivy@example.test']);
      assert.match(m.subject, /erin invited you to join the organization fabrikam/);
      for (const s of ['Fabrikam Ltd (fabrikam)', 'as admin', inv.expiresAt, 'https://patd.example.test/account']) assert.ok(m.text.includes(s), s);
      assert.ok(m.html.includes('href="https://patd.example.test/account"'));
      // Not a member until they accept: their global token is not the admin's business yet.
      assert.deepEqual(await orgTokenIds(erin.auth, 'ivy'), []);
      assert.equal((await p.req('GET', '/api/v1/orgs/fabrikam', { auth: { token: g.secret } })).statusCode, 404);
      const listed = await mine(ivy.auth);
      assert.deepEqual(listed.map((i) => [i.id, i.org, i.role]), [[inv.id, 'fabrikam', 'admin']]);
      assert.equal((await answer(mia.auth, inv.id, 'accept')).statusCode, 404, "another user's invitation is not found");
      const ok = await answer(ivy.auth, inv.id, 'accept');
      assert.equal(ok.statusCode, 200, ok.body);
      assert.deepEqual([ok.json().status, ok.json().membershipRole], ['accepted', 'admin']);
      assert.equal((await p.req('GET', '/api/v1/orgs/fabrikam', { auth: ivy.auth })).json().role, 'admin');
      assert.deepEqual(await orgTokenIds(erin.auth, 'ivy'), [g.id], 'now a member: the global token is usable and visible in the org');
      assert.equal((await p.req('GET', '/api/v1/orgs/fabrikam', { auth: { token: g.secret } })).statusCode, 200, 'the verifier forgot what it cached');
      assert.deepEqual(await mine(ivy.auth), []);
      assert.equal((await answer(ivy.auth, inv.id, 'accept')).statusCode, 409, 'answered once');
      assert.equal(smtp.mails.length - before, 1, 'no further mail');
    });

    test('decline: no membership; the invitation is gone from both lists', async () => {
      const dan = await addUser(p, admin, 'dan');
      const inv = (await invite(olga.auth, 'dan')).json();
      assert.deepEqual((await p.req('GET', '/api/v1/orgs/fabrikam/invitations', { auth: erin.auth })).json().items.map((i: { id: string }) => i.id).includes(inv.id), true);
      const res = await answer(dan.auth, inv.id, 'decline');
      assert.equal(res.statusCode, 200);
      assert.deepEqual([res.json().status, res.json().membershipRole], ['declined', null]);
      assert.equal((await p.req('GET', '/api/v1/orgs/fabrikam', { auth: dan.auth })).statusCode, 404);
      assert.ok(!(await p.req('GET', '/api/v1/orgs/fabrikam/invitations', { auth: erin.auth })).body.includes(inv.id));
      assert.equal((await answer(dan.auth, inv.id, 'accept')).statusCode, 409);
      assert.equal((await answer(dan.auth, inv.id, 'maybe')).statusCode, 400);
      assert.equal((await invite(olga.auth, 'dan')).statusCode, 201, 'a declined invitation does not block a new one');
    });

    test('withdraw: an org admin withdraws a pending invitation; it can no longer be accepted', async () => {
      const wes = await addUser(p, admin, 'wes');
      const inv = (await invite(erin.auth, 'wes')).json();
      assert.equal((await p.req('DELETE', `/api/v1/orgs/fabrikam/invitations/${inv.id}`, { auth: mia.auth })).statusCode, 403, 'members cannot');
      assert.equal((await p.req('DELETE', `/api/v1/orgs/fabrikam/invitations/${inv.id}`, { auth: wes.auth })).statusCode, 404, 'outsiders do not see the org');
      assert.equal((await p.req('DELETE', `/api/v1/orgs/fabrikam/invitations/${inv.id}`, { auth: erin.auth })).statusCode, 204);
      assert.equal((await p.req('DELETE', `/api/v1/orgs/fabrikam/invitations/${inv.id}`, { auth: erin.auth })).statusCode, 404);
      assert.deepEqual(await mine(wes.auth), []);
      assert.equal((await answer(wes.auth, inv.id, 'accept')).statusCode, 409);
      assert.equal((await p.req('GET', '/api/v1/orgs/fabrikam', { auth: wes.auth })).statusCode, 404);
    });

    test('invitations expire after 7 days: not listed, cannot be accepted; a new one can be sent', async () => {
      const eva = await addUser(p, admin, 'eva');
      const inv = (await invite(erin.auth, 'eva')).json();
      p.clock.advance(7 * DAY_MS);
      assert.deepEqual(await mine(eva.auth), []);
      assert.ok(!(await p.req('GET', '/api/v1/orgs/fabrikam/invitations', { auth: erin.auth })).body.includes(inv.id));
      const late = await answer(eva.auth, inv.id, 'accept');
      assert.equal(late.statusCode, 409);
      assert.match(late.json().detail, /expired/);
      assert.equal((await p.req('GET', '/api/v1/orgs/fabrikam', { auth: eva.auth })).statusCode, 404);
      const again = await invite(erin.auth, 'eva');
      assert.equal(again.statusCode, 201, again.body);
      assert.equal((await answer(eva.auth, again.json().id, 'accept')).statusCode, 200);
    });

    test('who may invite, and whom: org admins only, owners for owner; not members, the disabled, service accounts or twice', async () => {
      const pat = await addUser(p, admin, 'pat');
      assert.equal((await invite(mia.auth, 'pat')).statusCode, 403, 'a member cannot invite');
      assert.equal((await p.req('GET', '/api/v1/orgs/fabrikam/invitations', { auth: mia.auth })).statusCode, 403);
      assert.equal((await invite(pat.auth, 'pat')).statusCode, 404, 'an outsider does not see the org');
      const owner = await invite(erin.auth, 'pat', 'owner');
      assert.equal(owner.statusCode, 403, 'only owners invite as owner');
      const first = await invite(erin.auth, 'pat');
      assert.equal(first.statusCode, 201);
      const twice = await invite(olga.auth, 'pat', 'admin');
      assert.equal(twice.statusCode, 409, 'one pending invitation at a time');
      assert.equal(twice.json().invitationId, first.json().id);
      const member = await invite(erin.auth, 'mia');
      assert.deepEqual([member.statusCode, member.json().code], [409, 'conflict']);
      assert.equal((await invite(erin.auth, 'ghost')).statusCode, 404);
      assert.equal((await invite(erin.auth, 'pat', 'king')).statusCode, 400);
      const dis = await addUser(p, admin, 'dis');
      await p.req('PATCH', `/api/v1/users/${dis.id}`, { auth: admin, body: { disabled: true } });
      assert.equal((await invite(erin.auth, 'dis')).statusCode, 409);
      // Service accounts are org-owned users that nobody signs in as (created by their own API).
      const org = await p.store.r.orgs.byName('fabrikam');
      await p.store.r.users.insert({ id: 'usr_svc1', username: 'svc-bot', email: 'svc@example.test', displayName: 'bot', disabled: false, isAdmin: false, serviceOrgId: org?.id ?? null, passwordHash: null, createdAt: p.clock.now() });
      const svc = await invite(olga.auth, 'svc-bot');
      assert.deepEqual([svc.statusCode, svc.json().field], [400, 'username']);
      const byOwner = await p.req('DELETE', `/api/v1/orgs/fabrikam/invitations/${first.json().id}`, { auth: olga.auth });
      assert.equal(byOwner.statusCode, 204);
      assert.equal((await invite(olga.auth, 'pat', 'owner')).statusCode, 201, 'owners invite as owner');
    });

    test('PATs: orgs:read lists your invitations, orgs:manage answers them, within the orgs the token has', async () => {
      const tia = await addUser(p, admin, 'tia');
      await p.req('POST', '/api/v1/orgs', { auth: tia.auth, body: { name: 'tias' } });
      const inv = (await invite(erin.auth, 'tia')).json();
      const read = await createToken(p, tia.auth, { name: 'r', scopes: ['orgs:read'], orgs: '*' });
      const none = await createToken(p, tia.auth, { name: 'n', scopes: ['code:read'], orgs: '*' });
      const narrow = await createToken(p, tia.auth, { name: 'm', scopes: ['orgs:manage'], orgs: ['tias'] });
      const manage = await createToken(p, tia.auth, { name: 'g', scopes: ['orgs:manage'], orgs: '*' });
      assert.deepEqual((await mine({ token: read.secret })).map((i) => i.id), [inv.id]);
      assert.equal((await p.req('GET', '/api/v1/me/invitations', { auth: { token: none.secret } })).statusCode, 403);
      assert.equal((await answer({ token: read.secret }, inv.id, 'accept')).statusCode, 403, 'orgs:read does not answer');
      const beyond = await answer({ token: narrow.secret }, inv.id, 'accept');
      assert.deepEqual([beyond.statusCode, beyond.json().code], [403, 'beyond_token']);
      assert.equal((await answer({ token: manage.secret }, inv.id, 'accept')).statusCode, 200);
      assert.equal((await p.req('GET', '/api/v1/orgs/fabrikam', { auth: tia.auth })).json().role, 'member');
    });

    test("audit: every step is in the org's audit and in the invitee's /me/audit", async () => {
      const actions = async (url: string, auth: Auth) => new Set(((await p.req('GET', url, { auth })).json().items as { action: string }[]).map((e) => e.action));
      const org = await actions('/api/v1/orgs/fabrikam/audit?action=org.*&limit=200', olga.auth);
      for (const a of ['org.invited', 'org.invitation_accepted', 'org.invitation_declined', 'org.invitation_withdrawn', 'org.member_added']) assert.ok(org.has(a), a);
      const ivy = await p.signIn('ivy', 'ivy-password-1');
      const me = await actions('/api/v1/me/audit?action=org.*&limit=200', ivy);
      assert.deepEqual([...me].sort(), ['org.invitation_accepted', 'org.invited', 'org.member_added']);
      const dan = await actions('/api/v1/me/audit?action=org.*&limit=200', await p.signIn('dan', 'dan-password-1'));
      assert.ok(dan.has('org.invitation_declined'));
      const wes = await actions('/api/v1/me/audit?action=org.*&limit=200', await p.signIn('wes', 'wes-password-1'));
      assert.ok(wes.has('org.invitation_withdrawn'));
    });
  });
}
