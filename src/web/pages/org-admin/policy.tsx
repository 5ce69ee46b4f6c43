import type { OrgView } from '../../../core/orgs/service.js';
import { CheckboxField, NumberField, TextArea } from '../../components/fields.js';
import { CsrfField, ErrorSummary, type FieldErrors, Notice } from '../../components/form.js';
import { OrgLayout, type OrgPageCtx, orgPath } from './layout.js';

/** The policy form as typed (kept when it is refused). */
export interface PolicyValues {
  maxLifetimeDays: string;
  allowGlobalTokens: boolean;
  allowFullAccess: boolean;
  /** One CIDR per line. */
  ipAllowlist: string;
  revokeUnusedDays: string;
  autoRevokeLeaked: boolean;
}

export interface PolicyData {
  org: OrgView;
  values: PolicyValues;
  errors: FieldErrors;
  instanceMaxDays: number;
  saved?: boolean;
}

export const policyPath = (org: string) => `${orgPath(org)}/policy`;

/** Form field → element id, for the error summary's links. */
export const POLICY_ANCHORS = {
  maxLifetimeDays: 'max_lifetime_days', allowGlobalTokens: 'allow_global', allowFullAccess: 'allow_full',
  ipAllowlist: 'ip_allowlist', revokeUnusedDays: 'revoke_unused_days', autoRevokeLeaked: 'auto_revoke_leaked',
};

/** `/orgs/{org}/policy`: what tokens used in the org may be, and where from. */
export function policyPage(ctx: OrgPageCtx, d: PolicyData) {
  const v = d.values;
  const e = d.errors;
  return (
    <OrgLayout ctx={ctx} org={d.org} section="Policy" title="Policy" heading="Token policy"
      lead="Rules for every token used in this organization: its members' personal access tokens and its service accounts' tokens.">
      {d.saved && <Notice>The policy is saved. It applies to every token at its next use.</Notice>}
      <ErrorSummary errors={e} anchors={POLICY_ANCHORS} />
      <p class="callout">
        Policies hold at use, not only when a token is made: a token that a stricter policy no longer allows (too long a
        lifetime, full access, for all organizations, or used from outside the allow-list) stops working in this organization at once,
        without being revoked, and works again if the policy is relaxed. Creating or editing a token that breaks the policy is refused.
      </p>
      <form method="post" action={policyPath(d.org.name)} class="card policy-form">
        <CsrfField csrf={ctx.viewer.csrf} />
        <fieldset>
          <legend>Lifetime and reach</legend>
          <NumberField id="max_lifetime_days" name="max_lifetime_days" label="Longest lifetime" suffix="days" value={v.maxLifetimeDays} error={e.maxLifetimeDays}
            hint={`Tokens may expire at most this many days from now. Empty: the instance limit (${d.instanceMaxDays} days).`} />
          <CheckboxField id="allow_global" name="allow_global" label="Allow tokens for all organizations" checked={v.allowGlobalTokens} error={e.allowGlobalTokens}
            hint="A member's token made for “all my organizations” works here too. Untick to accept only tokens that name this organization." />
          <CheckboxField id="allow_full" name="allow_full" label="Allow full-access tokens" checked={v.allowFullAccess} error={e.allowFullAccess}
            hint="Tokens with full access (*). Untick to require scopes chosen for the job." />
        </fieldset>
        <fieldset>
          <legend>Where from</legend>
          <TextArea id="ip_allowlist" name="ip_allowlist" label="IP allow-list" value={v.ipAllowlist} error={e.ipAllowlist} rows={5} maxLength={13_000}
            hint="One address or CIDR range per line, such as 203.0.113.0/24 or 2001:db8::/32. Tokens work in this organization only from these addresses. Empty: from anywhere." />
        </fieldset>
        <fieldset>
          <legend>Clean-up</legend>
          <NumberField id="revoke_unused_days" name="revoke_unused_days" label="Revoke tokens unused for" suffix="days" value={v.revokeUnusedDays} error={e.revokeUnusedDays}
            hint="Tokens usable here that were not used for this many days are revoked, and their owners mailed. Empty: never." />
          <CheckboxField id="auto_revoke_leaked" name="auto_revoke_leaked" label="Revoke tokens reported as leaked" checked={v.autoRevokeLeaked} error={e.autoRevokeLeaked}
            hint="A token found in a public place and reported to patd is revoked at once (its owner is mailed either way)." />
        </fieldset>
        {e.form && <p class="field-error">{e.form}</p>}
        <div class="actions"><button type="submit" class="btn btn-primary">Save policy</button></div>
      </form>
    </OrgLayout>
  );
}
