import type { LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { ADMIN_PASSWORD, type Auth, addUser, createToken, type TestPatd } from './harness.js';

/** A URL-encoded page form (repeated keys for arrays). */
export const form = (b: Record<string, string | string[]>) => {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(b)) for (const x of Array.isArray(v) ? v : [v]) q.append(k, x);
  return q.toString();
};

type Session = { cookie: string; csrf: string };

/** A browser-like page request: the session cookie, `Accept: text/html`, a posted form with (or without) the CSRF field. */
export function pages(p: TestPatd) {
  const headers = (s?: Session, extra: Record<string, string> = {}) => ({ accept: 'text/html', ...(s ? { cookie: `patd_session=${s.cookie}` } : {}), ...extra });
  return {
    get: (url: string, s?: Session, extra?: Record<string, string>): Promise<LightMyRequestResponse> =>
      p.app.inject({ method: 'GET', url, headers: headers(s, extra) }),
    post: (url: string, s: Session | undefined, body: Record<string, string | string[]>, o: { csrf?: boolean; headers?: Record<string, string> } = {}): Promise<LightMyRequestResponse> =>
      p.app.inject({
        method: 'POST' as InjectOptions['method'], url, payload: form({ ...(s && o.csrf !== false ? { csrf_token: s.csrf } : {}), ...body }),
        headers: { ...headers(s, o.headers), 'content-type': 'application/x-www-form-urlencoded' },
      }),
  };
}

/** The text of a page without tags (entities for quotes and angle brackets decoded), for matching what a person reads. */
export const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&').replace(/\s+/g, ' ');

export const PUBLIC_HOOK = 'https://hooks.example.com/patd';

/** No DNS here: hooks.example.com resolves to a public address (connections to it are never made by these tests). */
export const publicResolver = ((hostname: string, options: { all?: boolean }, cb: (err: Error | null, a: string | LookupAddress[], f?: number) => void) => {
  if (hostname !== 'hooks.example.com') return process.nextTick(() => cb(Object.assign(new Error('ENOTFOUND'), { code: 'ENOTFOUND' }), ''));
  if (options.all) return process.nextTick(() => cb(null, [{ address: '93.184.215.14', family: 4 }]));
  process.nextTick(() => cb(null, '93.184.215.14', 4));
}) as LookupFunction;

export interface OrgWorld {
  admin: Auth & Session;
  /** Owner of acme. */
  olivia: { id: string; auth: Session };
  /** Admin of acme. */
  adam: { id: string; auth: Session };
  /** Member of acme. */
  mia: { id: string; auth: Session };
  /** Owner of globex only. */
  gus: { id: string; auth: Session };
  /** A service account of acme and one of its tokens. */
  ciToken: { id: string; secret: string };
  /** Mia's token for all her orgs. */
  miaToken: { id: string; secret: string };
  webhookId: string;
  invitationId: string;
}

/** acme (owner olivia, admin adam, member mia, service account ci), globex (owner gus), a webhook and a pending invitation of acme. */
export async function orgWorld(p: TestPatd): Promise<OrgWorld> {
  const admin = (await p.signIn('admin', ADMIN_PASSWORD)) as Session;
  const olivia = (await addUser(p, admin, 'olivia')) as OrgWorld['olivia'];
  const adam = (await addUser(p, admin, 'adam')) as OrgWorld['adam'];
  const mia = (await addUser(p, admin, 'mia')) as OrgWorld['mia'];
  const gus = (await addUser(p, admin, 'gus')) as OrgWorld['gus'];
  await addUser(p, admin, 'ivy');
  const ok = async (res: Promise<LightMyRequestResponse>, status: number) => {
    const r = await res;
    if (r.statusCode !== status) throw new Error(`setup: ${r.statusCode} ${r.body}`);
    return r;
  };
  await ok(p.req('POST', '/api/v1/orgs', { auth: olivia.auth, body: { name: 'acme', displayName: 'Acme Corp' } }), 201);
  await ok(p.req('POST', '/api/v1/orgs', { auth: gus.auth, body: { name: 'globex' } }), 201);
  // The instance admin adds directly (everyone else invites).
  await ok(p.req('PUT', '/api/v1/orgs/acme/members/adam', { auth: admin, body: { role: 'admin' } }), 200);
  await ok(p.req('PUT', '/api/v1/orgs/acme/members/mia', { auth: admin, body: { role: 'member' } }), 200);
  await ok(p.req('POST', '/api/v1/orgs/acme/service-accounts', { auth: olivia.auth, body: { username: 'ci', displayName: 'CI pipeline' } }), 201);
  const t = (await ok(p.req('POST', '/api/v1/orgs/acme/service-accounts/ci/tokens', { auth: olivia.auth, body: { name: 'deploy', scopes: ['code:read'] } }), 201)).json();
  const miaToken = await createToken(p, mia.auth, { name: 'mia laptop', scopes: ['*'], orgs: '*' });
  const hook = (await ok(p.req('POST', '/api/v1/orgs/acme/webhooks', { auth: olivia.auth, body: { url: PUBLIC_HOOK, description: 'SIEM' } }), 201)).json();
  const inv = (await ok(p.req('POST', '/api/v1/orgs/acme/invitations', { auth: olivia.auth, body: { username: 'ivy', role: 'member' } }), 201)).json();
  return { admin, olivia, adam, mia, gus, ciToken: { id: t.token.id, secret: t.secret }, miaToken, webhookId: hook.webhook.id, invitationId: inv.id };
}
