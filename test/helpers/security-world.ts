import assert from 'node:assert/strict';
import type { LookupFunction } from 'node:net';
import argon2 from 'argon2';
import type { LightMyRequestResponse } from 'fastify';
import { argon2Hasher } from '../../src/adapters/password.js';
import type { PasswordHasher } from '../../src/core/ports.js';
import { ADMIN_PASSWORD, startTestPatd, type TestPatd } from './harness.js';
import { type RouteInfo, routeRecorder } from './route-table.js';

/**
 * The world the route security suite attacks: people, orgs and one real object of every kind a
 * route can name, so that a request with a filled-in path reaches the authorization check
 * instead of a 404 for a malformed id. Built through the API, like a user would.
 *
 * - alice owns org acme (and is a plain member of beta); her objects are the victims.
 * - bob owns beta and gamma (an admin of another org); carol is a member of acme only.
 * - mallory belongs to no org (another user); dave is disabled after signing in.
 * - admin is the instance admin.
 */
export interface Session { cookie: string; csrf: string }
export interface Person { id: string; username: string; session: Session; pat: string }
export type Cred = { session: Session; csrf?: string | null } | { bearer: string } | { basic: string } | null;

export interface World {
  p: TestPatd;
  routes: RouteInfo[];
  admin: Person; alice: Person; bob: Person; carol: Person; mallory: Person; dave: Person;
  /** Alice's second session: the one the `/sessions/:id` routes name. */
  aliceSpare: Session & { publicId: string };
  /** Alice's tokens by purpose (secrets). */
  secrets: { keep: string; carol: string; limitedBeta: string; weak: string; widen: string; expired: string; revoked: string; rotatedOld: string; rotatedNew: string; sa: string };
  ids: {
    aliceToken: string; widenToken: string; carolToken: string; saToken: string; acmeInvitation: string; aliceInvitation: string;
    instanceWebhook: string; acmeWebhook: string; outbox: string; frank: string; client: string; userCode: string;
  };
  client: { id: string; secret: string };
  /** Strings that name the victims' objects: no answer to a refused caller may contain one. */
  markers: string[];
  /** Every request the suite makes goes through here: anything ≥ 500 fails at once. */
  call(method: string, url: string, o?: CallOptions): Promise<LightMyRequestResponse>;
  /** A new session for one of the people (password `{username}-password-1`; admin's for admin). */
  signIn(username: string): Promise<Session>;
  /** Stops patd, then fails if its log holds an unexpected error or a 5xx. */
  stop(): Promise<void>;
}

export interface CallOptions {
  cred?: Cred;
  json?: unknown;
  form?: Record<string, string | string[]>;
  /** A raw body with its own content type. */
  raw?: { type: string; body: string };
  headers?: Record<string, string>;
}

const FORM = 'application/x-www-form-urlencoded';
export const formBody = (f: Record<string, string | string[]>) => new URLSearchParams(Object.entries(f).flatMap(([k, v]) => (Array.isArray(v) ? v : [v]).map((x) => [k, x]))).toString();

/** Webhook hosts resolve to a public address: no DNS here, and the SSRF rules are tested elsewhere. */
const publicResolver = ((_h: string, o: { all?: boolean }, cb: (e: null, a: unknown, f?: number) => void) => {
  if (o?.all) cb(null, [{ address: '93.184.216.34', family: 4 }]);
  else cb(null, '93.184.216.34', 4);
}) as unknown as LookupFunction;

/** argon2id still, with small costs: this suite tests who may do what, not password hashing, and signs in many people. */
export const cheapHasher: PasswordHasher = { hash: (pw) => argon2.hash(pw, { type: argon2.argon2id, memoryCost: 4096, timeCost: 1, parallelism: 1 }), verify: argon2Hasher.verify };

export async function buildWorld(dialect: 'sqlite' | 'postgres', o: { env?: Record<string, string>; hasher?: PasswordHasher } = {}): Promise<World> {
  const rec = routeRecorder();
  const p = await startTestPatd(dialect, { env: o.env, overrides: { onRoute: rec.onRoute, webhookResolver: publicResolver, hasher: o.hasher ?? cheapHasher } });

  const call: World['call'] = async (method, url, o = {}) => {
    const headers: Record<string, string> = { ...o.headers };
    const c = o.cred;
    if (c && 'session' in c) {
      headers.cookie = [`patd_session=${c.session.cookie}`, headers.cookie].filter(Boolean).join('; ');
      const csrf = c.csrf === undefined ? c.session.csrf : c.csrf;
      if (csrf !== null) headers['x-csrf-token'] ??= csrf;
    } else if (c && 'bearer' in c) headers.authorization = `Bearer ${c.bearer}`;
    else if (c && 'basic' in c) headers.authorization = `Basic ${Buffer.from(`:${c.basic}`).toString('base64')}`;
    let payload: string | undefined;
    if (o.json !== undefined) [headers['content-type'], payload] = ['application/json', JSON.stringify(o.json)];
    if (o.form) [headers['content-type'], payload] = [FORM, formBody(o.form)];
    if (o.raw) [headers['content-type'], payload] = [o.raw.type, o.raw.body];
    const res = await p.app.inject({ method: method as 'GET', url, headers, ...(payload !== undefined ? { payload } : {}) });
    assert.ok(res.statusCode < 500, `${method} ${url} answered ${res.statusCode}: ${res.body.slice(0, 300)}`);
    return res;
  };
  const ok = async (method: string, url: string, o: CallOptions, status = 200) => {
    const res = await call(method, url, o);
    assert.equal(res.statusCode, status, `${method} ${url}: ${res.body}`);
    return res.body ? res.json() : null;
  };
  const signIn = async (username: string, password: string): Promise<Session> => {
    const res = await call('POST', '/api/v1/session', { json: { username, password } });
    assert.equal(res.statusCode, 200, res.body);
    return { cookie: res.cookies.find((x) => x.name === 'patd_session')?.value ?? '', csrf: res.json().csrfToken };
  };
  const token = async (s: Session, body: Record<string, unknown>) => {
    const t = await ok('POST', '/api/v1/tokens', { cred: { session: s }, json: body }, 201);
    return { id: t.token.id as string, secret: t.secret as string };
  };

  const adminSession = await signIn('admin', ADMIN_PASSWORD);
  const as = { cred: { session: adminSession } };
  const person = async (username: string): Promise<Person> => {
    const id = username === 'admin'
      ? (await ok('GET', '/api/v1/session', as)).user.id
      : (await ok('POST', '/api/v1/users', { ...as, json: { username, email: `${username}@example.test`, password: `${username}-password-1` } }, 201)).id;
    const session = username === 'admin' ? adminSession : await signIn(username, `${username}-password-1`);
    return { id, username, session, pat: (await token(session, { name: `${username}-full`, scopes: ['*'] })).secret };
  };
  const admin = await person('admin');
  const [alice, bob, carol, mallory, dave] = [await person('alice'), await person('bob'), await person('carol'), await person('mallory'), await person('dave')];
  for (const u of ['erin', 'frank']) await ok('POST', '/api/v1/users', { ...as, json: { username: u, email: `${u}@example.test`, password: `${u}-password-1` } }, 201);
  const frank = (await ok('GET', '/api/v1/users?limit=200', as)).items.find((u: { username: string }) => u.username === 'frank').id;
  const A = { cred: { session: alice.session } };
  const B = { cred: { session: bob.session } };

  await ok('POST', '/api/v1/orgs', { ...A, json: { name: 'acme', displayName: 'Acme Rocket Works' } }, 201);
  for (const name of ['beta', 'gamma']) await ok('POST', '/api/v1/orgs', { ...B, json: { name } }, 201);
  await ok('PUT', '/api/v1/orgs/acme/members/carol', { ...as, json: { role: 'member' } });
  await ok('PUT', '/api/v1/orgs/beta/members/alice', { ...as, json: { role: 'member' } });
  const acmeInvitation = (await ok('POST', '/api/v1/orgs/acme/invitations', { ...A, json: { username: 'erin', role: 'member' } }, 201)).id;
  const aliceInvitation = (await ok('POST', '/api/v1/orgs/gamma/invitations', { ...B, json: { username: 'alice', role: 'admin' } }, 201)).id;
  await ok('POST', '/api/v1/orgs/acme/service-accounts', { ...A, json: { username: 'ci-bot', displayName: 'CI bot' } }, 201);
  const sa = await ok('POST', '/api/v1/orgs/acme/service-accounts/ci-bot/tokens', { ...A, json: { name: 'ci-bot-deploy', scopes: ['*'] } }, 201);
  await ok('POST', '/api/v1/orgs/acme/repos', { ...A, json: { name: 'widgets' } }, 201);
  const instanceWebhook = (await ok('POST', '/api/v1/webhooks', { ...as, json: { url: 'https://hooks.example/instance' } }, 201)).webhook.id;
  const acmeWebhook = (await ok('POST', '/api/v1/orgs/acme/webhooks', { ...A, json: { url: 'https://hooks.example/acme' } }, 201)).webhook.id;
  const outbox = (await ok('GET', '/api/v1/admin/outbox', as)).items[0].id;
  const client = await p.clients.add({ actor: { type: 'system', id: null, name: 'test' }, ip: null, userAgent: null }, 'resource-server');

  const keep = await token(alice.session, { name: 'alice-keep-token', scopes: ['*'] });
  const carolToken = await token(carol.session, { name: 'carol-global-token', scopes: ['*'] });
  const limitedBeta = await token(alice.session, { name: 'alice-beta-only', scopes: ['*'], orgs: ['beta'] });
  const weak = await token(alice.session, { name: 'alice-weak', scopes: ['work:read'] });
  const widen = await token(alice.session, { name: 'alice-narrow', scopes: ['tokens:manage', 'orgs:manage', 'code:read'], orgs: ['acme'], expiresInDays: 7 });
  const expired = await token(alice.session, { name: 'alice-expired', scopes: ['*'], expiresAt: new Date(p.clock.now() + 3_600_000).toISOString() });
  const revoked = await token(alice.session, { name: 'alice-revoked', scopes: ['*'] });
  await ok('DELETE', `/api/v1/tokens/${revoked.id}`, A, 204);
  const rotating = await token(alice.session, { name: 'alice-rotating', scopes: ['*'] });
  const rotatedNew = (await ok('POST', `/api/v1/tokens/${rotating.id}/regenerate`, { ...A, json: { graceSeconds: 60 } })).secret;
  await ok('PATCH', `/api/v1/users/${dave.id}`, { ...as, json: { disabled: true } });
  const aliceSpareSession = await signIn('alice', 'alice-password-1');
  const spareId = (await ok('GET', '/api/v1/me/sessions', A)).items.find((s: { current: boolean }) => !s.current).id;
  // The expired token is past its hour and the rotated secret past its grace period.
  p.clock.advance(2 * 3_600_000);
  // A pending device sign-in (they live 10 minutes): what /device and /api/v1/device/:userCode name.
  const dev = await call('POST', '/oauth/device_authorization', { form: { client_id: 'probe-cli', scope: 'code:read' } });
  const userCode = dev.json().user_code as string;

  const ids = {
    aliceToken: keep.id, widenToken: widen.id, carolToken: carolToken.id, saToken: sa.token.id, acmeInvitation, aliceInvitation,
    instanceWebhook, acmeWebhook, outbox, frank, client: client.client.id, userCode,
  };
  return {
    p, routes: rec.routes, admin, alice, bob, carol, mallory, dave,
    aliceSpare: { ...aliceSpareSession, publicId: spareId },
    secrets: { keep: keep.secret, carol: carolToken.secret, limitedBeta: limitedBeta.secret, weak: weak.secret, widen: widen.secret, expired: expired.secret, revoked: revoked.secret, rotatedOld: rotating.secret, rotatedNew, sa: sa.secret },
    ids, client: { id: client.client.id, secret: client.secret },
    markers: [keep.id, carolToken.id, sa.token.id, acmeInvitation, aliceInvitation, acmeWebhook, spareId, 'alice-keep-token', 'carol-global-token', 'ci-bot-deploy', 'Acme Rocket Works', 'hooks.example/acme'],
    call,
    // Every file's world ends here: nothing the suite sent may have been an unexpected error.
    async stop() {
      const bad = p.logs.filter((l) => l.includes('unexpected error') || /"statusCode":5\d\d/.test(l)).map((l) => l.slice(0, 300));
      await p.stop();
      assert.deepEqual(bad, [], 'unexpected errors in the log');
    },
    signIn: (u) => signIn(u, u === 'admin' ? ADMIN_PASSWORD : `${u}-password-1`),
  };
}
