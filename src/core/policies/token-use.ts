import { DAY_MS } from '../clock.js';
import { PatdError } from '../errors.js';
import type { Membership, Policy, Token } from '../model.js';
import { FULL_ACCESS } from '../scopes/catalog.js';
import { ipAllowed } from './ip-allowlist.js';

/**
 * The one answer to "may this token act in this org?". The same rules run when a token is
 * created or edited (a refusal is `policy_violation`) and at every use (`org_forbidden` /
 * `ip_forbidden`, the token is not revoked and works again when the policy is relaxed).
 */

/** What the rules look at: a token's settings, real or proposed. */
export type TokenShape = Pick<Token, 'scopes' | 'orgIds' | 'expiresAt'>;

/** One org as the rules see it. `membership` is the token owner's in that org (null: not a member). */
export interface OrgFacts {
  orgId: string;
  orgName: string;
  membership: Membership | null;
  policy: Policy;
}

export type Rule = 'orgList' | 'membership' | 'allowGlobalTokens' | 'allowFullAccess' | 'maxLifetimeDays' | 'ipAllowlist';

export interface Refusal {
  rule: Rule;
  org: string;
  detail: string;
}

/** The org policy rules a token's settings must keep (at creation, edit and use). */
export function policyRefusal(t: TokenShape, o: OrgFacts, now: number): Refusal | null {
  const p = o.policy;
  const org = o.orgName;
  if (t.orgIds === null && !p.allowGlobalTokens) {
    return { rule: 'allowGlobalTokens', org, detail: `org "${org}" does not accept global tokens; list the orgs the token is for` };
  }
  if (t.scopes.includes(FULL_ACCESS) && !p.allowFullAccess) {
    return { rule: 'allowFullAccess', org, detail: `org "${org}" does not accept full-access (*) tokens` };
  }
  if (p.maxLifetimeDays !== null && t.expiresAt > now + p.maxLifetimeDays * DAY_MS + 1000) {
    return { rule: 'maxLifetimeDays', org, detail: `org "${org}" accepts tokens that expire within ${p.maxLifetimeDays} days` };
  }
  return null;
}

/**
 * May the token act in this org right now? Adds the org list, the owner's membership and the
 * IP allow-list to the policy rules. `instanceAdmin`: the owner is an instance admin, who
 * reaches orgs they are not a member of (their token still obeys its org list and policies).
 * `ip: undefined` skips the allow-list (for "where is this token usable" listings).
 */
export function useRefusal(t: TokenShape, o: OrgFacts, now: number, ip: string | null | undefined, instanceAdmin = false): Refusal | null {
  if (t.orgIds !== null && !t.orgIds.includes(o.orgId)) {
    return { rule: 'orgList', org: o.orgName, detail: `the token may not be used in org "${o.orgName}"` };
  }
  if (!o.membership && !instanceAdmin) {
    return { rule: 'membership', org: o.orgName, detail: `the token's owner is not a member of org "${o.orgName}"` };
  }
  const p = policyRefusal(t, o, now);
  if (p) return p;
  if (ip !== undefined && !ipAllowed(o.policy.ipAllowlist, ip)) {
    return { rule: 'ipAllowlist', org: o.orgName, detail: `org "${o.orgName}" does not accept this token from your IP address` };
  }
  return null;
}

/** The refusal as the error a token's use answers with. */
export function useError(r: Refusal): PatdError {
  if (r.rule === 'ipAllowlist') return new PatdError('ip_forbidden', r.detail, { org: r.org, policy: r.rule });
  const policy = r.rule === 'orgList' || r.rule === 'membership' ? {} : { policy: r.rule };
  return new PatdError('org_forbidden', r.detail, { org: r.org, ...policy });
}

/** Throws the use error when the token may not act in the org. */
export function checkUse(t: TokenShape, o: OrgFacts, now: number, ip: string | null | undefined, instanceAdmin = false): void {
  const r = useRefusal(t, o, now, ip, instanceAdmin);
  if (r) throw useError(r);
}

/** Refuses settings (creation, edit, device approval) that break a policy of an org the token would be usable in. */
export function checkSettings(t: TokenShape, orgs: OrgFacts[], now: number): void {
  for (const o of orgs) {
    const r = policyRefusal(t, o, now);
    if (r) throw new PatdError('policy_violation', r.detail, { policy: r.rule, org: r.org, field: settingsField(r.rule) });
  }
}

function settingsField(rule: Rule): string {
  switch (rule) {
    case 'allowGlobalTokens': return 'orgs';
    case 'allowFullAccess': return 'scopes';
    default: return 'expiresAt';
  }
}

/** The orgs (names) a token may be used in now, ignoring the IP allow-list. */
export function usableOrgs(t: TokenShape, orgs: OrgFacts[], now: number): string[] {
  return orgs.filter((o) => useRefusal(t, o, now, undefined) === null).map((o) => o.orgName);
}
