import type { WebhookPoster } from '../../src/core/notifications/model.js';
import type { Auth, TestPatd } from './harness.js';
import { caller, day, IP, people, signIn, UA, use } from './guide.js';

/**
 * The receivers of the guide's webhooks: they answer after a few milliseconds, and the chat
 * server is down once (a 503, retried). No network is used.
 */
export function guidePoster(): WebhookPoster & { failNext: () => void } {
  let n = 0;
  let fail = false;
  const post = async (url: string) => {
    await new Promise((r) => setTimeout(r, 30 + ((n++ * 37) % 110)));
    if (fail && url.includes('chat.')) {
      fail = false;
      return 503;
    }
    return 200;
  };
  return Object.assign(post, { failNext: () => { fail = true; } });
}

/**
 * acme, run by olivia for two weeks: admins and members who joined one by one, two invitations
 * out, a CI and a release service account, a policy with an IP allow-list, people's tokens (one
 * revoked by olivia when mia lost her laptop), a chat webhook and a SIEM webhook. Ends on day 16.
 */
export async function orgWorld(p: TestPatd, poster: ReturnType<typeof guidePoster>): Promise<{ chatHook: string }> {
  const api = caller(p);
  const as: Record<string, Auth> = {};
  const secret: Record<string, string> = {};
  const acme = (who: string, method: 'POST' | 'PUT' | 'DELETE', url: string, body?: object) => api(as[who] as Auth, method, `/orgs/acme${url}`, body);
  const token = async (who: string, name: string, scopes: string[], expiresInDays: number, orgs: string[] | '*' = ['acme']) =>
    (await api(as[who] as Auth, 'POST', '/tokens', { name, scopes, orgs, expiresInDays })) as { token: { id: string }; secret: string };
  const saToken = async (sa: string, name: string, scopes: string[], expiresInDays: number) =>
    (await acme('olivia', 'POST', `/service-accounts/${sa}/tokens`, { name, scopes, expiresInDays })).secret as string;
  const join = async (username: string, role: string, ua: string) => {
    const inv = await acme('olivia', 'POST', '/invitations', { username, role });
    as[username] = await signIn(p, username, { ip: IP.office, ua });
    await api(as[username] as Auth, 'POST', `/me/invitations/${inv.id}`, { action: 'accept' });
  };
  /** Sends what is due, and a few minutes later the retries of what failed. */
  const redeliver = async () => {
    await p.notifications.outbox.drain();
    p.clock.advance(4 * 60_000);
    await p.notifications.outbox.drain();
  };
  let chatHook = '';
  let lost = '';
  const script: Record<number, () => Promise<unknown>> = {
    0: async () => {
      day(p, 0, 13, 10);
      await people(p, [['olivia', 'Olivia Martin'], ['adam', 'Adam Kowalski'], ['mia', 'Mia Tanaka'], ['noah', 'Noah Williams'], ['ivy', 'Ivy Chen'], ['liam', 'Liam Murphy']]);
      as.olivia = await signIn(p, 'olivia', { ip: IP.office, ua: UA.safari });
      await api(as.olivia, 'POST', '/orgs', { name: 'acme', displayName: 'Acme Corp' });
      await acme('olivia', 'PUT', '/policy', { maxLifetimeDays: 180, ipAllowlist: ['198.51.100.0/24', '10.20.0.0/16', '2001:db8:4a::/48'], revokeUnusedDays: 90 });
      chatHook = (await acme('olivia', 'POST', '/webhooks', { url: 'https://chat.example.com/hooks/patd', description: 'Chat alerts' })).webhook.id;
      await acme('olivia', 'POST', '/webhooks', { url: 'https://siem.example.com/ingest', description: 'SIEM', events: ['token.revoked', 'token.leaked'] });
    },
    1: async () => {
      day(p, 1, 9, 40);
      await join('adam', 'admin', UA.firefox);
      await acme('olivia', 'POST', '/service-accounts', { username: 'acme-ci', displayName: 'CI pipeline' });
      secret.previews = await saToken('acme-ci', 'deploy previews', ['code:read', 'packaging:read'], 180);
    },
    2: async () => {
      day(p, 2, 10, 15);
      await join('mia', 'member', UA.chrome);
      const t = await token('mia', 'laptop git', ['code:write'], 90);
      [secret.mia, lost] = [t.secret, t.token.id];
    },
    3: async () => {
      day(p, 3, 14, 5);
      await join('noah', 'member', UA.firefox);
      secret.noah = (await token('noah', 'build agent', ['build:execute'], 60)).secret;
    },
    5: async () => {
      day(p, 5, 11, 30);
      await acme('olivia', 'POST', '/service-accounts', { username: 'acme-release', displayName: 'Release pipeline' });
      await saToken('acme-release', 'publish packages', ['packaging:write'], 90);
    },
    6: async () => {
      day(p, 6, 16, 45);
      secret.adam = (await token('adam', 'admin scripts', ['orgs:read', 'audit:read'], 30, '*')).secret;
    },
    8: async () => {
      day(p, 8, 9, 5);
      poster.failNext();
      await acme('olivia', 'DELETE', `/tokens/${lost}`);
      await redeliver();
      day(p, 8, 9, 40);
      secret.mia = (await token('mia', 'new laptop git', ['code:write'], 90)).secret;
    },
    10: async () => {
      day(p, 10, 15, 20);
      secret.nightly = await saToken('acme-ci', 'nightly build', ['build:execute'], 180);
    },
    12: async () => {
      day(p, 12, 11, 0);
      await acme('olivia', 'POST', '/invitations', { username: 'ivy', role: 'admin' });
    },
    14: async () => {
      day(p, 14, 16, 25);
      await acme('adam', 'POST', '/invitations', { username: 'liam', role: 'member' });
    },
  };
  for (let d = 0; d <= 16; d++) {
    const workday = d % 7 >= 1 && d % 7 <= 5;
    day(p, d, 8, 30);
    await use(p, secret.nightly, 1, IP.ci);
    await use(p, secret.previews, 2 + ((d * 5) % 6), IP.ci);
    if (workday) {
      await use(p, secret.mia, 2 + ((d * 3) % 5), IP.office);
      await use(p, secret.noah, 3 + (d % 4), IP.ci);
      if (d % 2 === 0) await use(p, secret.adam, 1, IP.office);
    }
    if (d === 16) break;
    await script[d]?.();
    await redeliver();
  }
  day(p, 16, 10, 40);
  return { chatHook };
}
