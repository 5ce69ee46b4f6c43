import type { Repos } from '../ports.js';
import { memberOrgFacts } from './facts.js';

/** What one org's policy allows a new or edited token (the parts a token form can show). */
export interface OrgLimits {
  org: string;
  displayName: string;
  maxLifetimeDays: number | null;
  allowFullAccess: boolean;
  allowGlobalTokens: boolean;
}

/** What a choice of orgs allows: the strictest of their policies and the instance limit. */
export interface TokenLimits {
  maxDays: number;
  allowFullAccess: boolean;
  /** Whether a global token ("all my organizations") is allowed at all. */
  allowGlobal: boolean;
  /** Which orgs set the limits, for messages ("acme allows at most 90 days"). */
  maxDaysBy: string | null;
  fullAccessForbiddenBy: string[];
  globalForbiddenBy: string[];
}

/** The token limits of each org the user belongs to, from the same facts the policy rules read. */
export async function orgLimitsOf(r: Repos, userId: string): Promise<OrgLimits[]> {
  const facts = await memberOrgFacts(r, userId);
  const orgs = new Map((await r.orgs.byIds(facts.map((f) => f.orgId))).map((o) => [o.id, o] as const));
  return facts.map((f) => ({
    org: f.orgName, displayName: orgs.get(f.orgId)?.displayName ?? f.orgName,
    maxLifetimeDays: f.policy.maxLifetimeDays, allowFullAccess: f.policy.allowFullAccess, allowGlobalTokens: f.policy.allowGlobalTokens,
  }));
}

/**
 * The limits for a token used in `chosen` ("*": every org the user belongs to). The same rules
 * as policyRefusal (policies/token-use.ts), which refuses what these do not allow.
 */
export function limitsFor(orgs: OrgLimits[], chosen: '*' | readonly string[], instanceMaxDays: number): TokenLimits {
  const applying = chosen === '*' ? orgs : orgs.filter((o) => chosen.includes(o.org));
  let maxDays = instanceMaxDays;
  let maxDaysBy: string | null = null;
  for (const o of applying) {
    if (o.maxLifetimeDays !== null && o.maxLifetimeDays < maxDays) {
      maxDays = o.maxLifetimeDays;
      maxDaysBy = o.org;
    }
  }
  const fullAccessForbiddenBy = applying.filter((o) => !o.allowFullAccess).map((o) => o.org);
  const globalForbiddenBy = orgs.filter((o) => !o.allowGlobalTokens).map((o) => o.org);
  return { maxDays, maxDaysBy, allowFullAccess: fullAccessForbiddenBy.length === 0, fullAccessForbiddenBy, allowGlobal: globalForbiddenBy.length === 0, globalForbiddenBy };
}
