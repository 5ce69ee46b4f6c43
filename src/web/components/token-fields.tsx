import type { OrgLimits, TokenLimits } from '../../core/policies/limits.js';
import type { ScopeGroup } from '../scope-groups.js';
import { FieldError, type FieldErrors, Fieldset, TextField } from './form.js';

/** What a token form holds, as typed (kept when the server refuses it). */
export interface TokenFormValues {
  name: string;
  orgMode: 'all' | 'some';
  orgs: string[];
  /** Days of a preset, `custom` (expiresOn), or `keep` (edit: leave the expiry as it is). */
  expires: string;
  expiresOn: string;
  access: 'full' | 'custom';
  scopes: string[];
}

export interface TokenFormOptions {
  orgs: OrgLimits[];
  /** The limits for the organizations chosen in `values`. */
  limits: TokenLimits;
  instanceMaxDays: number;
  presets: readonly number[];
  groups: ScopeGroup[];
  now: number;
  /** Editing: offer "keep the current expiry" (shown as this text). */
  keepExpiry?: string;
  /** The token is limited to this org (a service account's): no choice of organizations is offered. */
  fixedOrg?: OrgLimits;
}

/** Without JavaScript, re-renders the form with the limits of the organizations now chosen (after the main button, so Enter still submits). */
export const RefreshButton = (p: { orgs: OrgLimits[] }) =>
  p.orgs.length > 0 ? <button type="submit" name="action" value="refresh" class="btn btn-secondary no-js" formNoValidate>Update choices</button> : null;

/** Form field → element id, for the error summary's links. */
export const TOKEN_FIELD_ANCHORS = { name: 'name', orgs: 'f-orgs', expires: 'expires', scopes: 'f-scopes' };

const DAY = 86_400_000;
const isoDay = (t: number) => new Date(t).toISOString().slice(0, 10);

/** The last date a custom expiry may have: it means the end of that day (UTC), within `maxDays` from now. */
export const lastCustomDay = (now: number, maxDays: number) => isoDay(now + maxDays * DAY - 86_399_000);

const policyText = (o: OrgLimits) => [
  o.maxLifetimeDays !== null ? `at most ${o.maxLifetimeDays} days` : '',
  o.allowFullAccess ? '' : 'no full access',
  o.allowGlobalTokens ? '' : 'no tokens for all organizations',
].filter(Boolean).join('; ');

/**
 * Name, organizations, expiration and scopes of a token, with the organizations' policy limits
 * applied: choices the chosen organizations do not allow are not offered (hidden and disabled;
 * the page script re-applies the limits when the choice of organizations changes).
 */
export function TokenFields(p: { v: TokenFormValues; o: TokenFormOptions; errors: FieldErrors }) {
  const { v, o, errors } = p;
  const l = o.limits;
  const maxDays = l.maxDays;
  return (
    <>
      <TextField id="name" name="name" label="Name" value={v.name} required maxLength={120} error={errors.name}
        hint="What the token is for, such as “laptop git” or “CI deploy”. Shown in mails and the audit log." />

      {o.fixedOrg ? <FixedOrg org={o.fixedOrg} error={errors.orgs} /> : <Fieldset id="f-orgs" legend="Organizations" error={errors.orgs}
        hint={o.orgs.length === 0 ? 'You are not a member of any organization yet: the token works with your own account only.' : 'Where the token may be used.'}>
        <div class="choices">
          <label class="choice" hidden={!l.allowGlobal}>
            <input type="radio" name="orgs_mode" value="all" checked={v.orgMode === 'all'} disabled={!l.allowGlobal} data-org-mode="all" />
            <span>All my organizations <span class="hint">including any I join later</span></span>
          </label>
          {!l.allowGlobal && <p class="note">A token for all organizations is not allowed by the policy of {l.globalForbiddenBy.join(', ')}.</p>}
          {o.orgs.length > 0 && (
            <label class="choice">
              <input type="radio" name="orgs_mode" value="some" checked={v.orgMode === 'some'} data-org-mode="some" />
              <span>Only the organizations I choose:</span>
            </label>
          )}
          {o.orgs.length > 0 && (
            <div class="sub-choices">
              {o.orgs.map((org) => (
                <label class="choice" key={org.org}>
                  <input
                    type="checkbox" name="org" value={org.org} checked={v.orgs.includes(org.org)}
                    data-max-days={org.maxLifetimeDays ?? ''} data-full={org.allowFullAccess ? '1' : '0'}
                  />
                  <span>{org.displayName === org.org ? <code>{org.org}</code> : <>{org.displayName} <code>{org.org}</code></>}{policyText(org) && <span class="hint">Policy: {policyText(org)}</span>}</span>
                </label>
              ))}
            </div>
          )}
        </div>
        {o.orgs.length > 0 && <p class="hint no-js">After changing the organizations, “Update choices” below shows what their policies allow.</p>}
      </Fieldset>}

      <div class={errors.expires ? 'field invalid' : 'field'}>
        <label for="expires">Expiration</label>
        <p id="expires-hint" class="hint" data-limit-note="days" data-instance-max={o.instanceMaxDays}>
          {l.maxDaysBy ? `The policy of ${l.maxDaysBy} allows at most ${maxDays} days.` : `At most ${maxDays} days.`}
        </p>
        <select id="expires" name="expires" aria-describedby={['expires-hint', errors.expires ? 'expires-error' : ''].filter(Boolean).join(' ')} aria-invalid={errors.expires ? 'true' : undefined}>
          {o.keepExpiry && <option value="keep" selected={v.expires === 'keep'}>{o.keepExpiry}</option>}
          {o.presets.map((d) => (
            <option key={d} value={String(d)} data-days={d} selected={v.expires === String(d)} hidden={d > maxDays && v.expires !== String(d)} disabled={d > maxDays && v.expires !== String(d)}>
              {d} days{d === 30 ? ' (default)' : ''}
            </option>
          ))}
          <option value="custom" selected={v.expires === 'custom'}>Custom date…</option>
        </select>
        {errors.expires && <p id="expires-error" class="field-error"><span class="visually-hidden">Error: </span>{errors.expires}</p>}
      </div>
      <div class="field" data-custom-date>
        <label for="expires_on">Custom date</label>
        <p id="expires_on-hint" class="hint">With “Custom date…”: the token expires at the end of this day (UTC).</p>
        <input type="date" id="expires_on" name="expires_on" value={v.expiresOn} min={isoDay(o.now + DAY)} max={lastCustomDay(o.now, maxDays)} aria-describedby="expires_on-hint" />
      </div>

      <Fieldset id="f-scopes" legend="Scopes" error={errors.scopes} hint="What the token may do. Grant only what the tool needs.">
        <div class="choices">
          <label class="choice" hidden={!l.allowFullAccess}>
            <input type="radio" name="access" value="full" checked={v.access === 'full'} disabled={!l.allowFullAccess} data-access="full" />
            <span>Full access <span class="hint">everything you can do, in the chosen organizations</span></span>
          </label>
          <p class="note" data-limit-note="full" hidden={l.allowFullAccess}>
            Full access is not allowed by the policy of <span data-limit-orgs>{l.fullAccessForbiddenBy.join(', ')}</span>.
          </p>
          <label class="choice">
            <input type="radio" name="access" value="custom" checked={v.access === 'custom'} data-access="custom" />
            <span>Custom defined:</span>
          </label>
        </div>
        <div class="scope-groups" data-scope-groups>
          {o.groups.map((g) => (
            <fieldset class="scope-group" key={g.area}>
              <legend>{g.label}</legend>
              {g.scopes.map((s) => (
                <label class="choice" key={s.id}>
                  <input type="checkbox" name="scope" value={s.id} checked={v.scopes.includes(s.id)} data-implies={s.implies.join(' ')} />
                  <span>
                    <code>{s.id}</code> {s.description}
                    {s.implies.length > 0 && <span class="hint">includes {s.implies.join(', ')}</span>}
                    <span class="implied-note hint" hidden>included by a scope you chose</span>
                  </span>
                </label>
              ))}
            </fieldset>
          ))}
        </div>
      </Fieldset>
    </>
  );
}

/** The one org a service account's token works in, with the policy limits the page script reads (data-*). */
function FixedOrg(p: { org: OrgLimits; error?: string }) {
  const o = p.org;
  return (
    <div id="f-orgs" class={p.error ? 'field invalid' : 'field'} data-fixed-org={o.org} data-max-days={o.maxLifetimeDays ?? ''} data-full={o.allowFullAccess ? '1' : '0'}>
      <p class="label">Organization</p>
      <p>{o.displayName === o.org ? <code>{o.org}</code> : <>{o.displayName} <code>{o.org}</code></>} <span class="hint">A service account's tokens work in its own organization only.{policyText(o) && ` Policy: ${policyText(o)}.`}</span></p>
      <FieldError id="f-orgs" error={p.error} />
    </div>
  );
}
