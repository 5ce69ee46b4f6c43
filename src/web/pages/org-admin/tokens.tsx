import type { OrgView } from '../../../core/orgs/service.js';
import type { TokenView } from '../../../core/tokens/view.js';
import { FieldError, Notice } from '../../components/form.js';
import { Time } from '../../components/time.js';
import { Expiry, LastUsed, OrgNames, ScopeNames, StatusBadge, Via } from '../../components/token-bits.js';
import { STATUS_FILTERS, type StatusFilter } from '../tokens-list.js';
import { DangerAction } from './confirm.js';
import { OrgLayout, type OrgPageCtx, orgPath, Pager, withQuery } from './layout.js';

const FILTER_LABEL: Record<StatusFilter, string> = { active: 'Active', expired: 'Expired', revoked: 'Revoked', all: 'All' };

/** Who owns a token in the list. */
export interface Owner {
  username: string;
  serviceAccount: boolean;
}

export interface OrgTokensData {
  org: OrgView;
  tokens: TokenView[];
  owners: Map<string, Owner>;
  status: StatusFilter;
  user: string;
  userError?: string;
  nextCursor: string | null;
  paged: boolean;
  leadDays: number;
  revoked?: boolean;
}

export const orgTokensPath = (org: string) => `${orgPath(org)}/tokens`;
const listUrl = (d: OrgTokensData, cursor?: string) =>
  withQuery(orgTokensPath(d.org.name), { user: d.user, status: d.status === 'active' ? undefined : d.status, cursor });

/** `/orgs/{org}/tokens`: every token usable in the org (metadata only), by user and status; revoke one. */
export function orgTokensPage(ctx: OrgPageCtx, d: OrgTokensData) {
  const org = d.org.name;
  return (
    <OrgLayout ctx={ctx} org={d.org} section="Tokens" title="Tokens" heading="Tokens usable in this organization"
      lead="Tokens limited to this organization, and its members' tokens for all their organizations. You see their metadata, never a secret, and can revoke any of them.">
      {d.revoked && <Notice>The token is revoked: it no longer works anywhere. Its owner is mailed.</Notice>}
      <form method="get" action={orgTokensPath(org)} class="toolbar" aria-label="Filter tokens">
        <div class={d.userError ? 'field invalid' : 'field'}>
          <label for="user">User</label>
          <input type="search" id="user" name="user" value={d.user} maxLength={64} placeholder="Any user" autocomplete="off"
            aria-describedby={d.userError ? 'user-error' : undefined} aria-invalid={d.userError ? 'true' : undefined} />
          <FieldError id="user" error={d.userError} />
        </div>
        <div class="field">
          <label for="status">Status</label>
          <select id="status" name="status">
            {STATUS_FILTERS.map((s) => <option key={s} value={s} selected={s === d.status}>{FILTER_LABEL[s]}</option>)}
          </select>
        </div>
        <div class="field"><button type="submit" class="btn btn-secondary">Apply</button></div>
      </form>
      {d.tokens.length === 0 ? <p class="empty">No {d.status === 'all' ? '' : `${d.status} `}tokens{d.user && !d.userError ? ` of ${d.user}` : ''} are usable in this organization.</p> : (
        <table class="list">
          <caption class="visually-hidden">Tokens usable in {org}, newest first</caption>
          <thead>
            <tr><th scope="col">Name</th><th scope="col">Owner</th><th scope="col">Organizations</th><th scope="col">Scopes</th><th scope="col">Expires</th><th scope="col">Last used</th><th scope="col">Actions</th></tr>
          </thead>
          <tbody>
            {d.tokens.map((t, i) => {
              const owner = d.owners.get(t.userId);
              return (
                <tr key={t.id}>
                  <td data-label="Name"><div class="cell">
                    <span class="token-name">{t.name}</span>{t.status !== 'active' && <> <StatusBadge status={t.status} /></>}
                    <br /><small><code>{t.hint}</code> · <Time at={t.createdAt} now={ctx.now} format="relative" /> via <Via t={t} /></small>
                  </div></td>
                  <td data-label="Owner"><div class="cell">
                    {owner ? <a href={withQuery(orgTokensPath(org), { user: owner.username, status: d.status === 'active' ? undefined : d.status })}>{owner.username}</a> : <span class="muted">unknown</span>}
                    {owner?.serviceAccount && <><br /><span class="badge badge-neutral">Service account</span></>}
                  </div></td>
                  <td data-label="Organizations"><div class="cell"><OrgNames orgs={t.orgs} /></div></td>
                  <td data-label="Scopes"><div class="cell"><ScopeNames scopes={t.scopes} /></div></td>
                  <td data-label="Expires"><div class="cell">{t.status === 'revoked' ? <span class="muted">Revoked <Time at={t.revokedAt ?? t.expiresAt} now={ctx.now} format="relative" /></span> : <Expiry t={t} now={ctx.now} leadDays={d.leadDays} />}</div></td>
                  <td data-label="Last used"><div class="cell"><LastUsed t={t} now={ctx.now} /></div></td>
                  <td data-label="Actions"><div class="cell">
                    {t.status === 'revoked' ? <span class="muted">—</span> : (
                      <DangerAction id={`revoke-${i}`} href={`${orgTokensPath(org)}/${encodeURIComponent(t.id)}/revoke`} small csrf={ctx.viewer.csrf}
                        label="Revoke…" name={`Revoke ${t.name}…`} c={revokeOrgToken(org, t, owner)} />
                    )}
                  </div></td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <Pager first={d.paged ? listUrl(d) : undefined} next={d.nextCursor ? listUrl(d, d.nextCursor) : undefined} />
    </OrgLayout>
  );
}

export const revokeOrgToken = (org: string, t: TokenView, owner: Owner | undefined) => ({
  action: `${orgTokensPath(org)}/${encodeURIComponent(t.id)}/revoke`, confirm: 'Revoke token', cancel: orgTokensPath(org),
  title: <>Revoke “{t.name}”{owner ? ` of ${owner.username}` : ''}?</>,
  text: <>Token <code>{t.hint}</code> stops working everywhere at once, not only in {org}. Its owner is mailed. This cannot be undone.</>,
});
