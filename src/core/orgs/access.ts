import type { CoreDeps } from '../deps.js';
import { PatdError } from '../errors.js';
import type { Caller, Org, Role } from '../model.js';
import { orgFacts } from '../policies/facts.js';
import { checkUse } from '../policies/token-use.js';

const rank: Record<Role, number> = { member: 0, admin: 1, owner: 2 };

/**
 * What a caller may do in an org, resolved by `resolveOrgAccess` and only there: use cases
 * that act in an org take an OrgAccess and check it with `requireRole`, so a handler cannot
 * skip the check by calling things in another order.
 */
export interface OrgAccess {
  readonly org: Org;
  /** The caller's role; null for an instance admin who is not a member. */
  readonly role: Role | null;
  readonly caller: Caller;
}

const issued = new WeakSet<OrgAccess>();

export const atLeast = (role: Role | null, need: Role) => role !== null && rank[role] >= rank[need];

/**
 * Resolves an org for the caller. Not a member: 404, as if it did not exist (instance admins
 * see every org). A PAT must also be allowed in the org: its org list and the org's policies
 * (the token-use policy), for instance admins too.
 */
export async function resolveOrgAccess(d: CoreDeps, caller: Caller, name: string, need: Role = 'member'): Promise<OrgAccess> {
  const r = d.store.r;
  const org = /^[a-z0-9][a-z0-9._-]{0,38}$/.test(name) ? await r.orgs.byName(name) : null;
  const m = org ? await r.members.get(org.id, caller.user.id) : null;
  if (!org || (!m && !caller.user.isAdmin)) throw new PatdError('not_found', `no org "${name.slice(0, 40)}"`);
  if (caller.token) checkUse(caller.token, await orgFacts(r, caller.user.id, org), d.clock.now(), caller.ip, caller.user.isAdmin);
  const a: OrgAccess = Object.freeze({ org, role: m?.role ?? null, caller });
  issued.add(a);
  requireRole(a, caller, need);
  return a;
}

/** Refuses an OrgAccess that was not resolved for this caller, or whose role is below `need` (instance admins pass). */
export function requireRole(a: OrgAccess, caller: Caller, need: Role): void {
  if (!issued.has(a) || a.caller !== caller) throw new PatdError('forbidden', 'this org action was not authorized for this caller');
  if (!atLeast(a.role, need) && !caller.user.isAdmin) throw new PatdError('forbidden', `this needs the ${need} role in org "${a.org.name}"`);
}
