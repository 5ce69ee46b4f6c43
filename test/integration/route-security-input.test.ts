import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { dialects } from '../helpers/db.js';
import { expectProblem } from '../helpers/route-expect.js';
import { actorFor, fill, pageForm, sampleOf } from '../helpers/route-fixtures.js';
import { classify, key, type RouteInfo, UNSAFE } from '../helpers/route-table.js';
import { buildWorld, type Cred, type World } from '../helpers/security-world.js';

/** A name no one should be able to save: NUL, a bidi override, BEL, a zero-width space. */
const HOSTILE = 'a\u0000b\u202Egnp.exe\u0007\u200Bc';
const LONG = 'x'.repeat(5000);
const BIG = 70 * 1024;
const NAME_FIELDS = new Set(['name', 'displayName', 'tokenName']);

/**
 * Hostile input on every route that reads a body, a query, a header or a cookie, sent by a
 * caller who is allowed (so it reaches the handlers): malformed and oversized bodies, wrong
 * types, control characters and bidi overrides, repeated parameters, unreadable credentials.
 * Never a 500 (every request the suite makes asserts it), never "unexpected error" in the log.
 */
for (const dialect of await dialects()) {
  describe(`hostile input on every route (${dialect})`, () => {
    let w: World;
    before(async () => {
      w = await buildWorld(dialect);
    });
    after(() => w.stop());

    const kindOf = (r: RouteInfo) => classify(r).kind;
    // Any valid PAT for the routes that take only one (/tokens/self): bodies never get past parsing there.
    const creds = (r: RouteInfo): Cred => (r.auth !== 'none' && r.auth?.patOnly ? { bearer: w.secrets.weak } : { session: actorFor(w, r).session });

    test('API bodies: malformed JSON 400, over 64 KiB 413, prototype keys and wrong types 400 naming the field, hostile names 400', async () => {
      for (const r of w.routes.filter((x) => UNSAFE.has(x.method) && ['api', 'api-public'].includes(kindOf(x)))) {
        const url = fill(w, r);
        const cred = creds(r);
        const what = key(r);
        expectProblem(await w.call(r.method, url, { cred, raw: { type: 'application/json', body: '{"name": "x", ' } }), 400, 'invalid_json', `${what} malformed`);
        expectProblem(await w.call(r.method, url, { cred, raw: { type: 'application/json', body: JSON.stringify({ pad: 'x'.repeat(BIG) }) } }), 413, 'body_too_large', `${what} oversized`);
        expectProblem(await w.call(r.method, url, { cred, raw: { type: 'application/json; charset=utf-8', body: '{"__proto__": {"isAdmin": true}}' } }), 400, ['invalid_json', 'validation_failed'], `${what} __proto__`);
        if (!r.body) continue;
        for (const top of [[], 'text', 7, true]) expectProblem(await w.call(r.method, url, { cred, json: top }), 400, 'validation_failed', `${what} body ${JSON.stringify(top)}`);
        const sample = sampleOf(r.body) as Record<string, unknown> | null;
        if (!sample || typeof sample !== 'object') continue;
        if (r.body.additionalProperties === false) {
          const res = await w.call(r.method, url, { cred, json: { ...sample, colour: 'red' } });
          expectProblem(res, 400, 'validation_failed', `${what} unknown field`);
          assert.equal(res.json().field, 'body.colour', what);
        }
        for (const [prop, schema] of Object.entries(r.body.properties ?? {})) {
          for (const v of [HOSTILE, LONG, 12345, { x: 1 }, ['a', HOSTILE], null]) {
            const res = await w.call(r.method, url, { cred: creds(r), json: { ...sample, [prop]: v } });
            const strings = schema.type === 'string' || schema.anyOf?.some((x) => x.type === 'string');
            if (typeof v === 'string' && strings && NAME_FIELDS.has(prop)) {
              expectProblem(res, 400, 'validation_failed', `${what} ${prop}=${JSON.stringify(v).slice(0, 40)}`);
              assert.match(String(res.json().field), new RegExp(`(^|\\.)${prop}$`), what);
            }
          }
        }
      }
    });

    test('API queries: hostile, repeated, long and unknown parameters are 4xx', async () => {
      for (const r of w.routes.filter((x) => x.method === 'GET' && kindOf(x) === 'api')) {
        const base = fill(w, r);
        const props = Object.keys(r.query?.properties ?? {});
        const qs = [
          ...props.flatMap((p) => [`${p}=${encodeURIComponent(HOSTILE)}`, `${p}=a&${p}=b`, `${p}=${LONG}`, `${p}[x]=1`, `${p}=%ZZ`]),
          `unknown=${encodeURIComponent(HOSTILE)}`, 'limit=-1', 'limit=99999999999', 'cursor=%00%00', '__proto__[x]=1',
        ];
        for (const q of qs) await w.call('GET', `${base}?${q}`, { cred: creds(r) });
        if (r.query?.additionalProperties === false) expectProblem(await w.call('GET', `${base}?colour=red`, { cred: creds(r) }), 400, 'validation_failed', `${key(r)} unknown parameter`);
      }
    });

    test('pages: hostile query strings, forms with hostile, repeated and oversized fields, and bodies of any type', async () => {
      const names = ['q', 'status', 'cursor', 'done', 'days', 'return_to', 'user_code', 'user', 'action', 'since', 'until', 'org', 'role'];
      const queries = [
        names.map((p) => `${p}=${encodeURIComponent(HOSTILE)}`).join('&'),
        names.map((p) => `${p}=${encodeURIComponent(HOSTILE)}&${p}=${encodeURIComponent(LONG.slice(0, 2000))}`).join('&'),
      ];
      for (const r of w.routes.filter((x) => ['page', 'sign-in'].includes(kindOf(x)))) {
        const url = fill(w, r);
        const what = key(r);
        const session = await w.signIn(actorFor(w, r).username);
        if (!UNSAFE.has(r.method)) {
          for (const q of queries) await w.call(r.method, `${url}${url.includes('?') ? '&' : '?'}${q}`, { cred: { session } });
          continue;
        }
        if (r.url === '/signin') {
          // With the login-CSRF cookie and value a browser has from the sign-in page.
          const page = await w.call('GET', '/signin');
          const cookie = `patd_login_csrf=${page.cookies.find((c) => c.name === 'patd_login_csrf')?.value}`;
          const loginCsrf = /name="login_csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
          for (const username of [HOSTILE, LONG, 'alice\u0000']) {
            const res = await w.call('POST', '/signin', { headers: { cookie }, form: { login_csrf: loginCsrf, username, password: HOSTILE, return_to: '//evil.example' } });
            // Wrong credentials (401, the form again); PostgreSQL cannot even look up a NUL (400).
            assert.ok([400, 401].includes(res.statusCode), `${what} as ${JSON.stringify(username).slice(0, 30)}: ${res.statusCode}`);
            if (res.statusCode === 401) assert.ok(res.body.includes('name="return_to" value="/"'), `${what}: return_to //evil.example kept`);
          }
        }
        const good = pageForm(w, r, session.csrf);
        const hostile = Object.fromEntries(Object.keys(good).map((k) => [k, k === 'csrf_token' ? good[k] as string : [HOSTILE, LONG]]));
        await w.call(r.method, url, { cred: { session }, form: hostile as Record<string, string[]> });
        await w.call(r.method, url, { cred: { session }, form: { ...good, name: HOSTILE, display_name: HOSTILE } });
        for (const raw of [
          { type: 'application/x-www-form-urlencoded', body: `csrf_token=${session.csrf}&name=${'a'.repeat(BIG)}` },
          { type: 'application/json', body: '{"csrf_token": ' },
          { type: 'application/json', body: `{"__proto__": {"x": 1}, "csrf_token": "${session.csrf}"}` },
          { type: 'application/xml', body: '<a/>' },
          { type: 'multipart/form-data; boundary=x', body: '--x\r\n\r\n--x--' },
          { type: 'text/plain', body: `csrf_token=${session.csrf}` },
        ]) {
          const res = await w.call(r.method, url, { cred: { session }, raw });
          assert.ok(res.statusCode >= 300, `${what} took a ${raw.type} body: ${res.statusCode}`);
        }
      }
    });

    test('git, forward-auth and OAuth: hostile paths, parameters and forms', async () => {
      const basic = { basic: w.alice.pat };
      for (const path of ['/acme/_git/..%2F..%2Fetc/info/refs?service=git-upload-pack', '/acme/_git/widgets/../../../etc/passwd', `/acme/_git/${encodeURIComponent(HOSTILE)}/info/refs?service=git-upload-pack`,
        '/acme/_git/widgets/info/refs?service=git-upload-pack&service=git-receive-pack', '/acme/_git/widgets/info/refs?service=../../x', '/acme/_git/widgets/HEAD', '/acme/_git/widgets/objects/info/packs',
        `/${'a'.repeat(300)}/_git/widgets/info/refs?service=git-upload-pack`]) {
        const res = await w.call('GET', path, { cred: basic });
        assert.ok(res.statusCode >= 400, `${path}: ${res.statusCode}`);
      }
      for (const q of [`scope=${encodeURIComponent(HOSTILE)}`, `org=${encodeURIComponent(HOSTILE)}`, `scope=${LONG}`, 'scope[x]=1', 'org=a&org=b&org=c']) {
        await w.call('GET', `/auth/verify?${q}`, { cred: basic });
      }
      await w.call('GET', '/auth/verify', { cred: basic, headers: { 'x-patd-scope': 'a\u0007b\u00ff', 'x-patd-org': LONG } });
      const client = `Basic ${Buffer.from(`${w.client.id}:${w.client.secret}`).toString('base64')}`;
      for (const url of ['/oauth/introspect', '/oauth/revoke']) {
        expectOAuth(await w.call('POST', url, { headers: { authorization: client }, form: { token: ['a', 'b'] } }), 400, 'repeated token');
        expectOAuth(await w.call('POST', url, { headers: { authorization: 'Basic %%%' }, form: { token: 'x' } }), 401, 'unreadable Basic');
        expectOAuth(await w.call('POST', url, { headers: { authorization: `Basic ${Buffer.from('%ZZ:%ZZ').toString('base64')}` }, form: { token: 'x' } }), 401, 'undecodable client id');
        await w.call('POST', url, { headers: { authorization: client }, raw: { type: 'application/x-www-form-urlencoded', body: `token=${'a'.repeat(BIG)}` } });
        await w.call('POST', url, { headers: { authorization: client }, raw: { type: 'application/json', body: '{"token": ' } });
      }
      const forms: Record<string, string>[] = [{ client_id: HOSTILE, scope: 'code:read' }, { client_id: 'cli', scope: 'code:read', token_name: HOSTILE }, { client_id: 'cli', scope: HOSTILE },
        { client_id: 'cli', scope: 'code:read', orgs: HOSTILE }, { client_id: 'cli', scope: 'code:read', expires_in_days: '1e9' }, { client_id: LONG, scope: 'code:read' }];
      for (const form of forms) {
        expectOAuth(await w.call('POST', '/oauth/device_authorization', { form }), 400, `device_authorization ${JSON.stringify(form).slice(0, 60)}`);
      }
      expectOAuth(await w.call('POST', '/oauth/token', { form: { grant_type: 'urn:ietf:params:oauth:grant-type:device_code', device_code: HOSTILE, client_id: HOSTILE } }), 400, 'token with hostile codes');
    });

    test('unreadable credentials and cookies on every route: refused, never a 500', async () => {
      const bad = [
        { authorization: 'Basic !!!!' }, { authorization: `Basic ${Buffer.from('\u0000:\u202E').toString('base64')}` }, { authorization: `Bearer ${'A'.repeat(10_000)}` },
        { authorization: 'Bearer patd_\u00e9\u00e9' }, { authorization: 'Digest x' }, { authorization: 'Bearer' }, { cookie: `patd_session=${'A'.repeat(5000)}` },
        { cookie: 'patd_session=%ZZ%' }, { cookie: 'patd_session=a; patd_session=b' }, { cookie: 'patd_login_csrf=\u0000' }, { cookie: 'patd_new_secret=v1.AAAA' },
      ];
      for (const r of w.routes.filter((x) => kindOf(x) !== 'public' || x.url === '/signin/oidc/callback')) {
        for (const headers of bad) await w.call(r.method, fill(w, r), { headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, v.replace(/[^\x20-\xff]/g, '?')])) });
      }
    });

    test('nothing the suite sent was an unexpected error in the log', () => {
      const bad = w.p.logs.filter((l) => l.includes('unexpected error') || /"statusCode":5\d\d/.test(l));
      assert.deepEqual(bad.map((l) => l.slice(0, 300)), []);
    });
  });
}

function expectOAuth(res: Awaited<ReturnType<World['call']>>, status: number, what: string): void {
  assert.equal(res.statusCode, status, `${what}: ${res.body}`);
  assert.equal(typeof res.json().error, 'string', `${what}: an RFC 6749 error body`);
}
