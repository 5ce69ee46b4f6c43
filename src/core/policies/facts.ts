import type { Org } from '../model.js';
import type { Repos } from '../ports.js';
import type { OrgFacts } from './token-use.js';

/** Every org the user belongs to, with the user's membership and the org's policy. */
export async function memberOrgFacts(r: Repos, userId: string): Promise<OrgFacts[]> {
  const ms = await r.members.listForUser(userId);
  return Promise.all(ms.map(async (m) => ({ orgId: m.orgId, orgName: m.orgName, membership: m, policy: await r.policies.get(m.orgId) })));
}

/** One org as the rules see it for this user (membership null when they are not a member). */
export async function orgFacts(r: Repos, userId: string, org: Pick<Org, 'id' | 'name'>): Promise<OrgFacts> {
  return { orgId: org.id, orgName: org.name, membership: await r.members.get(org.id, userId), policy: await r.policies.get(org.id) };
}

/** The orgs a token with these org ids would be usable in: listed ones the owner belongs to, or all of them for a global token. */
export function reachOf(all: OrgFacts[], orgIds: string[] | null): OrgFacts[] {
  return orgIds === null ? all : all.filter((o) => orgIds.includes(o.orgId));
}
