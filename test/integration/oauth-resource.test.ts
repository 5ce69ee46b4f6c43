import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DAY_MS } from '../../src/core/clock.js';
import { generateToken } from '../../src/core/tokens/format.js';
import { curl } from '../helpers/curl.js';
import { dialects } from '../helpers/db.js';
import { ADMIN_PASSWORD, type Auth, addUser, createToken, startTestPatd, type TestPatd } from '../helpers/harness.js';
import { listen } from '../helpers/sibling.js';

const CTX = { actor: { type: 'system' as const, id: null, name: 'test' }, ip: null, userAgent: null };
const FORM = 'Content-Type: application/x-www-form-urlencoded';

// RFC 7662 (introspection) and RFC 7009 (revocation) conformance, with the real curl binary.
for (const dialect of await dialects()) {
  describe(`POST /oauth/introspect and /oauth/revoke (${dialect})`, () => {
    let p: TestPatd;
    let base: string;
    let admin: Auth;
    let alice: { id: string; auth: Auth };
    let client: { id: string; secret: string };
    let tok: { id: string; secret: string };
    /** Basic with RFC 6749 form-encoded id and secret (what curl -u does not do by itself). */
    const basic = (id: string, secret: string) => `Authorization: Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
    const post = (path: string, form: string[], auth: string[] = ['-H', basic(client.id, client.secret)]) =>
      curl([...auth, ...form.flatMap((f) => ['--data-urlencode', f]), `${base}${path}`]);
    const introspect = (token: string, extra: string[] = []) => post('/oauth/introspect', [`token=${token}`, ...extra]);

    before(async () => {
      p = await startTestPatd(dialect);
      base = await listen(p);
      admin = await p.signIn('admin', ADMIN_PASSWORD);
      alice = await addUser(p, admin, 'alice');
      for (const name of ['acme', 'beta']) assert.equal((await p.req('POST', '/api/v1/orgs', { auth: alice.auth, body: { name } })).statusCode, 201);
      const c = await p.clients.add(CTX, 'registry');
      client = { id: c.client.id, secret: c.secret };
      tok = await createToken(p, alice.auth, { name: 'ci', scopes: ['packaging:read', 'code:write'], orgs: ['acme'] });
    });
    after(() => p.stop());

    test('an active token: RFC 7662 members plus orgs and jti; Cache-Control: no-store', async () => {
      const r = await introspect(tok.secret);
      assert.equal(r.status, 200, r.body);
      assert.match(r.headers['content-type'] ?? '', /application\/json/);
      assert.equal(r.headers['cache-control'], 'no-store');
      const b = r.json();
      assert.equal(b.active, true);
      assert.equal(b.scope, 'packaging:read code:write');
      assert.equal(b.username, 'alice');
      assert.equal(b.sub, alice.id);
      assert.equal(b.token_type, 'pat');
      assert.equal(b.client_id, client.id);
      assert.equal(b.jti, tok.id);
      assert.deepEqual(b.orgs, ['acme']);
      assert.equal(b.iat, Math.floor(p.clock.now() / 1000));
      assert.equal(b.exp, Math.floor((p.clock.now() + 30 * DAY_MS) / 1000));
    });

    test('a global token lists all the owner\'s current orgs by name', async () => {
      const g = await createToken(p, alice.auth, { name: 'global', scopes: ['code:read'], orgs: '*' });
      assert.deepEqual([...(await introspect(g.secret)).json().orgs].sort(), ['acme', 'beta']);
    });

    test('client authentication: Basic (form-encoded) or form fields; both at once is invalid_request', async () => {
      // Percent-encoded characters in the Basic components are decoded (RFC 6749 §2.3.1).
      const enc = (s: string) => s.replace(/_/g, '%5F');
      const r1 = await curl(['-H', `Authorization: Basic ${Buffer.from(`${enc(client.id)}:${enc(client.secret)}`).toString('base64')}`, '--data-urlencode', `token=${tok.secret}`, `${base}/oauth/introspect`]);
      assert.equal(r1.json().active, true);
      const r2 = await post('/oauth/introspect', [`token=${tok.secret}`, `client_id=${client.id}`, `client_secret=${client.secret}`], []);
      assert.equal(r2.status, 200);
      assert.equal(r2.json().active, true);
      const r3 = await post('/oauth/introspect', [`token=${tok.secret}`, `client_id=${client.id}`, `client_secret=${client.secret}`]);
      assert.equal(r3.status, 400);
      assert.equal(r3.json().error, 'invalid_request');
    });

    test('a bad caller: 401 invalid_client with a Basic challenge, and no answer about the token', async () => {
      const cases: string[][] = [
        [], // no client authentication at all
        ['-H', basic(client.id, `${client.secret}x`)],
        ['-H', basic('cli_doesnotexist', client.secret)],
        ['-H', `Authorization: Bearer ${tok.secret}`], // a PAT is not a client credential
        ['-H', `Authorization: Basic ${Buffer.from(client.id).toString('base64')}`], // no secret
        ['-u', `${client.id}:`], // empty secret
      ];
      for (const auth of cases) {
        for (const path of ['/oauth/introspect', '/oauth/revoke']) {
          const r = await post(path, [`token=${tok.secret}`], auth.length ? auth : ['-H', 'X-None: 1']);
          assert.equal(r.status, 401, `${path} ${auth.join(' ')}: ${r.body}`);
          assert.match(r.headers['www-authenticate'] ?? '', /^Basic realm="patd"/);
          assert.equal(r.json().error, 'invalid_client');
          assert.equal(r.json().active, undefined);
        }
      }
      const wrongForm = await post('/oauth/introspect', [`token=${tok.secret}`, `client_id=${client.id}`, 'client_secret=nope'], []);
      assert.equal(wrongForm.status, 401);
      assert.equal((await introspect(tok.secret)).json().active, true, 'the failed revocations did nothing');
    });

    test('form encoding: a missing token or a JSON body is invalid_request; GET is not allowed', async () => {
      const none = await post('/oauth/introspect', ['token_type_hint=pat']);
      assert.equal(none.status, 400);
      assert.equal(none.json().error, 'invalid_request');
      const json = await curl(['-H', basic(client.id, client.secret), '-H', 'Content-Type: application/json', '-d', JSON.stringify({ token: tok.secret }), `${base}/oauth/introspect`]);
      assert.equal(json.status, 400);
      assert.equal(json.json().error, 'invalid_request');
      const twice = await post('/oauth/introspect', [`token=${tok.secret}`, `token=${tok.secret}`]);
      assert.equal(twice.status, 400);
      for (const path of ['/oauth/introspect', '/oauth/revoke']) {
        const g = await curl(['-H', basic(client.id, client.secret), `${base}${path}?token=${tok.secret}`]);
        assert.equal(g.status, 405);
        assert.equal(g.headers.allow, 'POST');
        assert.equal(g.json().code, 'method_not_allowed');
      }
      const explicit = await curl(['-H', FORM, '-H', basic(client.id, client.secret), '--data', `token=${encodeURIComponent(tok.secret)}&token_type_hint=access_token`, `${base}/oauth/introspect`]);
      assert.equal(explicit.json().active, true);
    });

    test('token_type_hint is accepted and ignored, whatever it says', async () => {
      for (const hint of ['pat', 'access_token', 'refresh_token', 'something_else']) {
        assert.equal((await introspect(tok.secret, [`token_type_hint=${hint}`])).json().active, true, hint);
      }
    });

    test('unknown, malformed, expired, revoked and disabled-owner tokens: exactly {"active":false}', async () => {
      const inactive = async (token: string, why: string) => {
        const r = await introspect(token);
        assert.equal(r.status, 200, why);
        assert.deepEqual(r.json(), { active: false }, why);
        assert.equal(r.headers['cache-control'], 'no-store');
      };
      await inactive(generateToken('patd_'), 'unknown');
      await inactive('not-a-token', 'malformed');
      await inactive(`${tok.secret.slice(0, -2)}zz`, 'bad checksum');
      await inactive(generateToken('other_'), 'another prefix');

      const bob = await addUser(p, admin, 'bob');
      const bt = await createToken(p, bob.auth, { name: 'b', scopes: ['code:read'] });
      assert.equal((await introspect(bt.secret)).json().active, true);
      await p.req('PATCH', `/api/v1/users/${bob.id}`, { auth: admin, body: { disabled: true } });
      await inactive(bt.secret, 'owner disabled');

      const rv = await createToken(p, alice.auth, { name: 'r', scopes: ['code:read'] });
      assert.equal((await introspect(rv.secret)).json().active, true);
      await p.req('DELETE', `/api/v1/tokens/${rv.id}`, { auth: alice.auth });
      await inactive(rv.secret, 'revoked: at once on this instance');

      const ex = await createToken(p, alice.auth, { name: 'e', scopes: ['code:read'], expiresAt: new Date(p.clock.now() + 3_600_000).toISOString() });
      assert.equal((await introspect(ex.secret)).json().active, true);
      p.clock.advance(3_600_001);
      await inactive(ex.secret, 'expired');
    });

    test('revocation (RFC 7009): 200 whether or not the token existed; the token is dead at once everywhere on this instance', async () => {
      for (const junk of [generateToken('patd_'), 'garbage']) {
        const r = await post('/oauth/revoke', [`token=${junk}`]);
        assert.equal(r.status, 200);
        assert.equal(r.body, '');
      }
      const t = await createToken(p, alice.auth, { name: 'leaked', scopes: ['code:read'] });
      assert.equal((await curl(['-u', `:${t.secret}`, `${base}/auth/verify`])).status, 200);
      assert.equal((await introspect(t.secret)).json().active, true);
      const r = await post('/oauth/revoke', [`token=${t.secret}`, 'token_type_hint=access_token'], [`-d`, `client_id=${client.id}`, '-d', `client_secret=${client.secret}`]);
      assert.equal(r.status, 200, r.body);
      assert.deepEqual((await introspect(t.secret)).json(), { active: false });
      const fa = await curl(['-u', `:${t.secret}`, `${base}/auth/verify`]);
      assert.equal(fa.status, 401);
      assert.equal(fa.json().code, 'token_revoked');
      const view = await p.req('GET', `/api/v1/tokens/${t.id}`, { auth: alice.auth });
      assert.equal(view.json().status, 'revoked');
      assert.equal((await post('/oauth/revoke', [`token=${t.secret}`])).status, 200, 'idempotent');
    });

    test('a removed client is refused at once', async () => {
      const c = await p.clients.add(CTX, 'short-lived');
      assert.equal((await post('/oauth/introspect', [`token=${tok.secret}`], ['-H', basic(c.client.id, c.secret)])).status, 200);
      await p.clients.remove(CTX, c.client.id);
      const r = await post('/oauth/introspect', [`token=${tok.secret}`], ['-H', basic(c.client.id, c.secret)]);
      assert.equal(r.status, 401);
      assert.equal(r.json().error, 'invalid_client');
    });
  });
}
