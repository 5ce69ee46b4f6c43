import { PatdError } from '../errors.js';
import type { Caller, Org, RequestContext, Role } from '../model.js';
import { contextOf } from '../model.js';
import { FULL_ACCESS } from '../scopes/catalog.js';
import { type OrgAccess, requireRole } from './access.js';

/**
 * Who changes an org's membership: a person with their role in the org, or the operator at
 * the CLI. The membership and invitation use cases take this and check it themselves.
 */
export interface OrgActor {
  org: Org;
  ctx: RequestContext;
  /** The acting user; null for the operator. */
  userId: string | null;
  /** Their role in the org; null when not a member. */
  role: Role | null;
  /** An instance admin (or the operator): adds members directly and acts as an owner. */
  instanceAdmin: boolean;
}

/**
 * Instance-admin powers through a PAT need full access (`*`) for all orgs, as the admin API
 * routes do: they reach every org, so a narrower token of an admin, or one limited to some
 * orgs, acts with the admin's org role only.
 */
export const instanceAdminPowers = (c: Caller): boolean =>
  c.user.isAdmin && (c.token === null || (c.token.scopes.includes(FULL_ACCESS) && c.token.orgIds === null));

/** The caller acting in an org that `OrgService.access` resolved for them (and only for them). */
export function actingIn(c: Caller, a: OrgAccess): OrgActor {
  requireRole(a, c, 'member');
  return { org: a.org, ctx: contextOf(c), userId: c.user.id, role: a.role, instanceAdmin: instanceAdminPowers(c) };
}

/** The operator at the CLI: acts on any org, recorded as `ctx.actor`. */
export const operatorIn = (org: Org, ctx: RequestContext): OrgActor => ({ org, ctx, userId: null, role: null, instanceAdmin: true });

export const actsAsOwner = (by: OrgActor): boolean => by.instanceAdmin || by.role === 'owner';

export function requireOrgAdmin(by: OrgActor): void {
  if (!by.instanceAdmin && by.role !== 'admin' && by.role !== 'owner') {
    throw new PatdError('forbidden', `this needs the admin role in org "${by.org.name}"`);
  }
}
