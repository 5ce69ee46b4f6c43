import type { Token } from '../model.js';
import type { Repos } from '../ports.js';

/**
 * What a token event records about a token (as TokenService does), and the orgs whose audit
 * it belongs in: the orgs the token may be used in now (a global token: all the owner's).
 */
export async function tokenEventFacts(r: Repos, t: Token): Promise<{ orgIds: string[]; details: Record<string, unknown> }> {
  const mine = await r.members.listForUser(t.userId);
  const usable = t.orgIds === null ? mine : mine.filter((m) => t.orgIds?.includes(m.orgId));
  const names = t.orgIds === null ? null : (await r.orgs.byIds(t.orgIds)).map((o) => o.name).sort();
  return {
    orgIds: usable.map((m) => m.orgId),
    details: {
      name: t.name, hint: t.hint, scopes: t.scopes, orgs: names ?? '*', expiresAt: new Date(t.expiresAt).toISOString(),
      createdVia: t.createdVia, clientName: t.clientName, version: t.version,
    },
  };
}
