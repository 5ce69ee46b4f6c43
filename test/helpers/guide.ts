import type { LookupFunction } from 'node:net';
import type { Browser, BrowserContext } from 'playwright-core';
import { DAY_MS } from '../../src/core/clock.js';
import { ADMIN_PASSWORD, type Auth, T0, type TestPatd } from './harness.js';

/**
 * The user guide's world (docs/images): people, organizations and tokens as a team would have
 * them, made over a few weeks. The quality tests use hostile names to prove escaping; the
 * pictures must not show those, so they come from an instance of their own built here.
 */

/** What the guide's instance answers at in its snippets (the browser talks to 127.0.0.1). */
export const GUIDE_URL = 'https://patd.example.com';

export const UA = {
  linux: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
  chrome: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
  firefox: 'Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0',
  safari: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15',
  iphone: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
};
/** Addresses from the documentation ranges: home, office, the CI runners. */
export const IP = { home: '203.0.113.24', office: '198.51.100.14', ci: '10.20.0.7', elsewhere: '192.0.2.77' };

/** Webhook hosts resolve to a public address (there is no DNS here). */
export const publicResolver = ((_h: string, o: { all?: boolean }, cb: (e: null, a: unknown, f?: number) => void) => {
  if (o?.all) cb(null, [{ address: '93.184.216.34', family: 4 }]);
  else cb(null, '93.184.216.34', 4);
}) as unknown as LookupFunction;

/** A browser as a person has it: an ordinary user agent, from the office address (patd trusts the proxy header). */
export function guideContext(browser: Browser): Promise<BrowserContext> {
  return browser.newContext({ viewport: { width: 1280, height: 900 }, userAgent: UA.linux, extraHTTPHeaders: { 'x-forwarded-for': IP.office } });
}

/** Where each signed-in person's calls come from (their browser), so their sessions read true. */
const origins = new WeakMap<Auth, { ip: string; ua: string }>();

/** Calls the API as a person (from their browser), a minute after the call before; fails loudly when the world cannot be built as written. */
export function caller(p: TestPatd) {
  return async (auth: Auth, method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, body?: object, o: { ip?: string } = {}) => {
    const from = origins.get(auth) ?? { ip: IP.office, ua: UA.chrome };
    const res = await p.req(method, `/api/v1${url}`, { auth, body, headers: { 'x-forwarded-for': o.ip ?? from.ip, 'user-agent': from.ua } });
    if (res.statusCode >= 300) throw new Error(`guide world: ${method} ${url} answered ${res.statusCode} ${res.body}`);
    p.clock.advance(60_000);
    return res.statusCode === 204 ? null : res.json();
  };
}

/** Sets the clock to a day of the story (day 0 is T0's date, a Sunday) at a time of day (UTC), so times do not all read 12:00. */
export const day = (p: TestPatd, d: number, hour: number, minute = 0) => p.clock.set(T0 + d * DAY_MS + ((hour - 12) * 60 + minute) * 60_000);

/** Adds people (as the instance admin, whose address becomes a realistic one too). */
export async function people(p: TestPatd, list: [username: string, displayName: string, admin?: boolean][]) {
  const api = caller(p);
  const admin = await p.signIn('admin', ADMIN_PASSWORD);
  const ids: Record<string, string> = {};
  for (const [username, displayName, isAdmin] of list) {
    const u = await api(admin, 'POST', '/users', { username, displayName, email: `${username}@example.com`, password: `${username}-password-1`, ...(isAdmin ? { admin: true } : {}) });
    ids[username] = u.id;
  }
  const me = (await api(admin, 'GET', '/users')).items.find((u: { username: string }) => u.username === 'admin');
  await api(admin, 'PATCH', `/users/${me.id}`, { email: 'admin@example.com' });
  return { admin, ids };
}

/** Signs a person in from a browser of theirs (a session on their account page); their calls then come from there. */
export async function signIn(p: TestPatd, username: string, from: { ip: string; ua: string }): Promise<Auth> {
  const res = await p.req('POST', '/api/v1/session', { body: { username, password: `${username}-password-1` }, headers: { 'x-forwarded-for': from.ip, 'user-agent': from.ua } });
  if (res.statusCode !== 200) throw new Error(`guide world: sign-in of ${username} answered ${res.statusCode}`);
  p.clock.advance(60_000);
  const auth = { cookie: res.cookies.find((c) => c.name === 'patd_session')?.value ?? '', csrf: res.json().csrfToken };
  origins.set(auth, from);
  return auth;
}

/** `n` requests with a token (checked by forward-auth) from an address, counted in its use of the current day. */
export async function use(p: TestPatd, secret: string | undefined, n: number, ip: string) {
  if (!secret) return;
  for (let i = 0; i < n; i++) {
    const res = await p.req('GET', '/auth/verify', { auth: { token: secret }, headers: { 'x-forwarded-for': ip, 'user-agent': 'git/2.45.2' } });
    if (res.statusCode !== 200) throw new Error(`guide world: a use answered ${res.statusCode} ${res.body}`);
  }
  await p.core.verifier.flushUsage();
}

/**
 * alice's three weeks: a member of acme (bob's, which allows 90 days and no full access), owner of
 * globex, invited to initech; tokens for git, CI, packages and the CLI, one expired, one revoked,
 * one about to expire; sessions in two browsers and a failed sign-in. Ends on day 24, 11:20.
 */
export async function personalWorld(p: TestPatd): Promise<{ laptop: string; bob: string }> {
  const api = caller(p);
  const ids: Record<string, string> = {};
  const as: Record<string, Auth> = {};
  const secret: Record<string, string> = {};
  const token = async (who: string, body: object, o: { ip?: string } = {}) => (await api(as[who] as Auth, 'POST', '/tokens', body, o)) as { token: { id: string }; secret: string };
  const join = async (org: string, by: string, username: string, role: string) => {
    const inv = await api(as[by] as Auth, 'POST', `/orgs/${org}/invitations`, { username, role });
    await api(as[username] as Auth, 'POST', `/me/invitations/${inv.id}`, { action: 'accept' });
  };
  const script: Record<number, () => Promise<unknown>> = {
    0: async () => {
      day(p, 0, 13, 5);
      Object.assign(ids, (await people(p, [['alice', 'Alice Andersen'], ['bob', 'Bob Brennan'], ['carol', 'Carol Chen', true], ['dave', 'Dave Okafor']])).ids);
      as.bob = await signIn(p, 'bob', { ip: IP.office, ua: UA.firefox });
      await api(as.bob, 'POST', '/orgs', { name: 'acme', displayName: 'Acme Corp' });
      await api(as.bob, 'PUT', '/orgs/acme/policy', { maxLifetimeDays: 90, allowFullAccess: false });
      await api(as.bob, 'POST', '/orgs/acme/service-accounts', { username: 'acme-ci', displayName: 'CI pipeline' });
      day(p, 0, 15, 40);
      as.alice = await signIn(p, 'alice', { ip: IP.office, ua: UA.firefox });
      await join('acme', 'bob', 'alice', 'member');
      await api(as.alice, 'POST', '/orgs', { name: 'globex', displayName: 'Globex' });
      await token('alice', { name: 'old build agent', scopes: ['build:execute'], orgs: ['globex'], expiresInDays: 7 });
      await p.clients.add({ actor: { type: 'user', id: null, name: 'admin' }, ip: null, userAgent: null }, 'artifact registry');
    },
    1: async () => {
      day(p, 1, 11, 10);
      as.carol = await signIn(p, 'carol', { ip: IP.office, ua: UA.chrome });
      await join('acme', 'bob', 'carol', 'admin');
      as.dave = await signIn(p, 'dave', { ip: IP.elsewhere, ua: UA.safari });
      await join('globex', 'alice', 'dave', 'member');
      day(p, 1, 14, 20);
      await token('alice', { name: 'npm publish', scopes: ['packaging:write'], orgs: ['globex'], expiresInDays: 30 });
      await token('bob', { name: 'release pipeline', scopes: ['build:execute', 'packaging:write'], orgs: ['acme'], expiresInDays: 90 });
    },
    2: async () => {
      day(p, 2, 11, 5);
      secret.nuget = (await token('alice', { name: 'nuget feed', scopes: ['packaging:read'], orgs: '*', expiresInDays: 90 })).secret;
    },
    3: async () => {
      day(p, 3, 11, 40);
      secret.ci = (await token('alice', { name: 'CI deploy', scopes: ['code:read', 'build:execute'], orgs: ['acme'], expiresInDays: 90 })).secret;
    },
    4: async () => {
      day(p, 4, 16, 10);
      const t = await token('alice', { name: 'laptop git', scopes: ['code:write', 'profile:read'], orgs: ['acme'], expiresInDays: 90 });
      [ids.laptop, secret.laptop] = [t.token.id, t.secret];
    },
    5: async () => {
      day(p, 5, 17, 30);
      await p.clients.add({ actor: { type: 'user', id: null, name: 'admin' }, ip: null, userAgent: null }, 'code search');
      const user = await p.accounts.byUsername('alice');
      const cli = await p.tokens.create({ user, token: null, ip: IP.home, userAgent: 'patd-cli/1.4.0' }, user, { name: 'patd CLI on alice-laptop', scopes: ['profile:read', 'code:manage'], orgs: ['acme'], expiresInDays: 90 }, { via: 'device', clientName: 'patd-cli' });
      secret.cli = cli.secret;
    },
    9: async () => {
      day(p, 9, 15, 2);
      const leaked = await token('alice', { name: 'shared by mistake', scopes: ['code:read'], orgs: ['acme'], expiresInDays: 30 });
      day(p, 9, 15, 14);
      await api(as.alice as Auth, 'DELETE', `/tokens/${leaked.token.id}`);
    },
    20: async () => {
      day(p, 20, 19, 31);
      await signIn(p, 'alice', { ip: IP.home, ua: UA.safari });
    },
    22: async () => {
      day(p, 22, 13, 48);
      await api(as.bob as Auth, 'POST', '/orgs', { name: 'initech', displayName: 'Initech' });
      await api(as.bob as Auth, 'POST', '/orgs/initech/invitations', { username: 'alice', role: 'admin' });
    },
    23: async () => {
      day(p, 23, 19, 55);
      await p.req('POST', '/api/v1/session', { body: { username: 'alice', password: 'not-her-password' }, headers: { 'x-forwarded-for': IP.elsewhere, 'user-agent': UA.iphone } });
    },
  };
  // Each day: git from the office on workdays and CI in the morning, what happened that day, git and the CLI from home some evenings.
  for (let d = 0; d <= 24; d++) {
    const workday = d % 7 >= 1 && d % 7 <= 5;
    day(p, d, 10, 30);
    await use(p, secret.ci, 2 + ((d * 5) % 7), IP.ci);
    if (workday) await use(p, secret.laptop, 3 + ((d * 3) % 8), IP.office);
    if (d % 4 === 1) await use(p, secret.nuget, 1 + (d % 3), IP.ci);
    if (d === 24) break;
    await script[d]?.();
    day(p, d, 20, 45);
    if (d % 3 === 0) await use(p, secret.laptop, 1 + (d % 4), IP.home);
    if (d % 5 === 2) await use(p, secret.cli, 2, IP.home);
  }
  day(p, 24, 11, 20);
  return { laptop: ids.laptop as string, bob: ids.bob as string };
}
