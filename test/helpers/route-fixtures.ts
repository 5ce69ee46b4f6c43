import assert from 'node:assert/strict';
import { key, type RouteInfo, type Schema } from './route-table.js';
import type { Person, Session, World } from './security-world.js';

/**
 * Which real object a path parameter names, by where it stands in the path. A route with a
 * parameter nobody mapped fails the suite: add its object to the world and a line here.
 */
const ID_BY_PATH: [RegExp, (w: World) => string][] = [
  [/\/service-accounts\/:username\/tokens\/:id/, (w) => w.ids.saToken],
  [/\/orgs\/:org\/tokens\/:id/, (w) => w.ids.carolToken],
  [/^(\/api\/v1)?\/tokens\/:id/, (w) => w.ids.aliceToken],
  [/\/orgs\/:org\/invitations\/:id/, (w) => w.ids.acmeInvitation],
  [/^(\/api\/v1\/me|\/account)\/invitations\/:id/, (w) => w.ids.aliceInvitation],
  [/^(\/api\/v1\/me|\/account)\/sessions\/:id/, (w) => w.aliceSpare.publicId],
  [/\/orgs\/:org\/webhooks\/:id/, (w) => w.ids.acmeWebhook],
  [/^\/api\/v1\/webhooks\/:id/, (w) => w.ids.instanceWebhook],
  [/^\/api\/v1\/admin\/outbox\/:id/, (w) => w.ids.outbox],
  [/^(\/api\/v1|\/admin)\/users\/:id/, (w) => w.ids.frank],
  [/^\/admin\/clients\/:id/, (w) => w.ids.client],
];
const USERNAME_BY_PATH: [RegExp, string][] = [[/\/members\/:username/, 'carol'], [/\/service-accounts\/:username/, 'ci-bot']];

export interface FillOptions {
  /** The org in `:org` (default acme, the victims' org). */
  org?: string;
}

/** The route's URL with every parameter filled in with a real object of the victims. */
export function fill(w: World, r: RouteInfo, o: FillOptions = {}): string {
  let url = r.url;
  for (const name of r.params) {
    const v = paramValue(w, r, name, o);
    url = name === '*' ? url.replace('*', v) : url.replace(new RegExp(`:${name}(?=/|$)`), encodeURIComponent(v));
  }
  return url;
}

function paramValue(w: World, r: RouteInfo, name: string, o: FillOptions): string {
  const miss = () => new Error(`${key(r)}: the security suite cannot fill :${name}; give it a real object in test/helpers/route-fixtures.ts`);
  switch (name) {
    case 'org': return o.org ?? 'acme';
    case 'repo': return 'widgets';
    case 'userCode': return w.ids.userCode;
    case 'action': return 'accept';
    case 'username': {
      const hit = USERNAME_BY_PATH.find(([re]) => re.test(r.url));
      if (!hit) throw miss();
      return hit[1];
    }
    case 'id': {
      const hit = ID_BY_PATH.find(([re]) => re.test(r.url));
      if (!hit) throw miss();
      return hit[1](w);
    }
    case '*':
      if (r.url.includes('/_git/')) return r.method === 'GET' ? 'info/refs?service=git-upload-pack' : 'git-upload-pack';
      if (r.url.startsWith('/auth/verify/')) return 'probe';
      if (r.url.startsWith('/assets/')) return 'app.css';
      throw miss();
    default: throw miss();
  }
}

/** Who may call the route for real: the instance admin for admin routes and pages, else alice (owner of acme). */
export const actorFor = (w: World, r: RouteInfo): Person =>
  (r.auth !== 'none' && r.auth?.admin) || r.url.startsWith('/admin') ? w.admin : w.alice;

const SAMPLE: Record<string, unknown> = {
  name: 'probe-name', username: 'probe-user', email: 'probe@example.test', password: 'probe-password-1', currentPassword: 'alice-password-1',
  url: 'https://hooks.example/probe', displayName: 'Probe', description: 'probe', role: 'member', scopes: ['profile:read'], tokens: [],
  expiresInDays: 7,
};

/** A body the route's schema accepts (required fields only), so that a refused caller is refused by authorization, not validation. */
export function sampleOf(s: Schema | undefined, field?: string): unknown {
  if (!s) return undefined;
  if (s.const !== undefined) return s.const;
  if (s.anyOf) return sampleOf(s.anyOf.find((x) => x.type !== 'null') ?? s.anyOf[0], field);
  if (field && field in SAMPLE) return SAMPLE[field];
  switch (s.type) {
    case 'object': return Object.fromEntries((s.required ?? []).map((k) => [k, sampleOf(s.properties?.[k], k)]));
    case 'array': return s.minItems ? [sampleOf(s.items)] : [];
    case 'integer': case 'number': return s.minimum ?? 1;
    case 'boolean': return false;
    case 'null': return null;
    default: return 'probe';
  }
}

/** A page form with the fields page handlers read (a superset), and the CSRF field when given. */
export function pageForm(w: World, r: RouteInfo, csrf: string | null): Record<string, string> {
  const f: Record<string, string> = {
    name: 'probe-name', days: '7', grace: '0', role: 'member', username: 'probe-user', display_name: 'Probe', email: 'probe@example.test',
    action: r.url === '/device' ? 'approve' : 'confirm', user_code: w.ids.userCode, scope_mode: 'custom', scopes: 'profile:read', expiry: '7',
  };
  if (csrf !== null) f.csrf_token = csrf;
  return f;
}

/** Items without the fields that reading them changes, in a stable order (several objects share one instant of the test clock). */
const strip = (items: Record<string, unknown>[], drop: string[]) => items.map((x) => Object.fromEntries(Object.entries(x).filter(([k]) => !drop.includes(k))))
  .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

/**
 * Everything a refused request could have changed, read through the API: tokens (all states),
 * members, policies, invitations, service accounts, repositories, webhooks, users, sessions,
 * the pending device request; and that every live secret and session still works.
 */
export async function snapshot(w: World): Promise<Record<string, unknown>> {
  const get = async (url: string, s: Session) => {
    const res = await w.call('GET', url, { cred: { session: s } });
    assert.equal(res.statusCode, 200, `snapshot ${url}: ${res.body}`);
    return res.json();
  };
  const A = w.alice.session;
  const volatile = ['lastUsedAt', 'lastUsedIp', 'lastSeenAt', 'lastSeenIp'];
  const out: Record<string, unknown> = {};
  for (const [name, url, s] of [
    ['alice tokens', '/api/v1/tokens?status=all&limit=200', A], ['carol tokens', '/api/v1/tokens?status=all&limit=200', w.carol.session],
    ['sa tokens', '/api/v1/orgs/acme/service-accounts/ci-bot/tokens?status=all', A], ['acme tokens', '/api/v1/orgs/acme/tokens?status=all&limit=200', A],
    ['acme members', '/api/v1/orgs/acme/members', A], ['beta members', '/api/v1/orgs/beta/members', w.bob.session],
    ['acme invitations', '/api/v1/orgs/acme/invitations', A], ['gamma invitations', '/api/v1/orgs/gamma/invitations', w.bob.session],
    ['alice invitations', '/api/v1/me/invitations', A], ['acme service accounts', '/api/v1/orgs/acme/service-accounts', A],
    ['acme repos', '/api/v1/orgs/acme/repos', A], ['acme webhooks', '/api/v1/orgs/acme/webhooks', A], ['webhooks', '/api/v1/webhooks', w.admin.session],
    ['users', '/api/v1/users?limit=200', w.admin.session], ['alice sessions', '/api/v1/me/sessions', A], ['alice orgs', '/api/v1/orgs', A],
    ['mallory orgs', '/api/v1/orgs', w.mallory.session], ['bob orgs', '/api/v1/orgs', w.bob.session],
  ] as [string, string, Session][]) {
    const body = await get(url, s);
    out[name] = Array.isArray(body.items) ? strip(body.items, volatile) : body;
  }
  out['acme policy'] = await get('/api/v1/orgs/acme/policy', A);
  out.device = (await get(`/api/v1/device/${w.ids.userCode}`, w.admin.session)).status;
  const live = { keep: w.secrets.keep, carol: w.secrets.carol, limitedBeta: w.secrets.limitedBeta, weak: w.secrets.weak, widen: w.secrets.widen, rotatedNew: w.secrets.rotatedNew, sa: w.secrets.sa, bob: w.bob.pat, mallory: w.mallory.pat, alice: w.alice.pat };
  for (const [name, secret] of Object.entries(live)) {
    assert.equal((await w.call('GET', '/auth/verify', { cred: { bearer: secret } })).statusCode, 200, `the ${name} token stopped working`);
  }
  for (const [name, s] of Object.entries({ alice: A, aliceSpare: w.aliceSpare, bob: w.bob.session, carol: w.carol.session, mallory: w.mallory.session, admin: w.admin.session })) {
    assert.equal((await w.call('GET', '/api/v1/session', { cred: { session: s } })).statusCode, 200, `the ${name} session ended`);
  }
  return out;
}

/** Runs `fn` and checks that it changed nothing `snapshot` can see. */
export async function unchanged(w: World, fn: () => Promise<void>): Promise<void> {
  const before = await snapshot(w);
  await fn();
  assert.deepEqual(await snapshot(w), before, 'a refused request changed something');
}
