import type { ServiceAccountView } from '../../../core/orgs/service-accounts.js';
import type { OrgView } from '../../../core/orgs/service.js';
import type { TokenView } from '../../../core/tokens/view.js';
import { Alert, Notice } from '../../components/form.js';
import { Time } from '../../components/time.js';
import { Expiry, LastUsed, ScopeNames, StatusBadge, Via } from '../../components/token-bits.js';
import { DangerAction } from './confirm.js';
import { OrgLayout, type OrgPageCtx, Pager, withQuery } from './layout.js';
import { serviceAccountPath } from './service-accounts.js';

export const SERVICE_ACCOUNT_NOTICES = {
  created: 'The service account is created. Give it a token for the tool that will use it.',
  revoked: 'The token is revoked: it no longer works anywhere.',
} as const;
export type ServiceAccountNotice = keyof typeof SERVICE_ACCOUNT_NOTICES;

export interface ServiceAccountData {
  org: OrgView;
  account: ServiceAccountView;
  tokens: TokenView[];
  leadDays: number;
  nextCursor: string | null;
  paged: boolean;
  notice?: ServiceAccountNotice;
  error?: string;
}

export const saTokenPath = (org: string, username: string, id: string) => `${serviceAccountPath(org, username)}/tokens/${encodeURIComponent(id)}`;

/** `/orgs/{org}/service-accounts/{username}` (the notices' link): the account, its tokens (new, regenerate, revoke), delete. */
export function serviceAccountPage(ctx: OrgPageCtx, d: ServiceAccountData) {
  const org = d.org.name;
  const a = d.account;
  const here = serviceAccountPath(org, a.username);
  const csrf = ctx.viewer.csrf;
  return (
    <OrgLayout ctx={ctx} org={d.org} section="Service accounts" crumbs={[{ href: here, label: a.username }]} title={a.username}
      heading={a.displayName === a.username ? a.username : <>{a.displayName} <code>{a.username}</code></>}
      lead="A service account of this organization. Its tokens work here only; mails about them go to the organization's owners and admins.">
      {d.notice && <Notice>{SERVICE_ACCOUNT_NOTICES[d.notice]}</Notice>}
      {d.error && <Alert>{d.error}</Alert>}
      <dl class="facts">
        <dt>Username</dt><dd><code>{a.username}</code></dd>
        <dt>Display name</dt><dd>{a.displayName}</dd>
        <dt>Organization</dt><dd><code>{org}</code></dd>
        <dt>Created</dt><dd><Time at={a.createdAt} now={ctx.now} /></dd>
      </dl>

      <section aria-labelledby="tokens-heading">
        <div class="section-header">
          <h2 id="tokens-heading">Tokens</h2>
          <a class="btn btn-primary" href={`${here}/tokens/new`}>New token</a>
        </div>
        {d.tokens.length === 0 ? <p class="empty">No tokens yet. Create one for each tool that acts as this account.</p> : (
          <table class="list">
            <caption class="visually-hidden">Tokens of {a.username}, newest first</caption>
            <thead><tr><th scope="col">Name</th><th scope="col">Scopes</th><th scope="col">Created</th><th scope="col">Expires</th><th scope="col">Last used</th><th scope="col">Actions</th></tr></thead>
            <tbody>
              {d.tokens.map((t, i) => (
                <tr key={t.id}>
                  <td data-label="Name"><div class="cell">
                    <span class="token-name">{t.name}</span>{t.status !== 'active' && <> <StatusBadge status={t.status} /></>}
                    <br /><small><code>{t.hint}</code></small>
                  </div></td>
                  <td data-label="Scopes"><div class="cell"><ScopeNames scopes={t.scopes} /></div></td>
                  <td data-label="Created"><div class="cell"><Time at={t.createdAt} now={ctx.now} format="relative" /><br /><small>via <Via t={t} /></small></div></td>
                  <td data-label="Expires"><div class="cell">{t.status === 'revoked' ? <span class="muted">Revoked <Time at={t.revokedAt ?? t.expiresAt} now={ctx.now} format="relative" /></span> : <Expiry t={t} now={ctx.now} leadDays={d.leadDays} />}</div></td>
                  <td data-label="Last used"><div class="cell"><LastUsed t={t} now={ctx.now} /></div></td>
                  <td data-label="Actions"><div class="cell">
                    {t.status === 'revoked' ? <span class="muted">—</span> : (
                      <span class="row-actions">
                        <a class="btn btn-small btn-secondary" href={`${saTokenPath(org, a.username, t.id)}/regenerate`} aria-label={`Regenerate ${t.name}…`}>Regenerate…</a>
                        <DangerAction id={`revoke-${i}`} href={`${saTokenPath(org, a.username, t.id)}/revoke`} small csrf={csrf}
                          label="Revoke…" name={`Revoke ${t.name}…`} c={revokeSaToken(org, a, t)} />
                      </span>
                    )}
                  </div></td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <Pager first={d.paged ? here : undefined} next={d.nextCursor ? withQuery(here, { cursor: d.nextCursor }) : undefined} />
      </section>

      <div class="danger-zone">
        <h3>Delete this service account</h3>
        <p>Deleting revokes every token it has, at once. Its username stays taken, so the audit log keeps naming it.</p>
        <p><DangerAction id="delete-dialog" href={`${here}/delete`} csrf={csrf} label="Delete service account…" c={deleteServiceAccount(org, a)} /></p>
      </div>
    </OrgLayout>
  );
}

export const revokeSaToken = (org: string, a: ServiceAccountView, t: TokenView) => ({
  action: `${saTokenPath(org, a.username, t.id)}/revoke`, confirm: 'Revoke token', cancel: serviceAccountPath(org, a.username),
  title: <>Revoke “{t.name}”?</>,
  text: <>Token <code>{t.hint}</code> of {a.username}. Every tool that uses it stops working at once. This cannot be undone.</>,
});

export const deleteServiceAccount = (org: string, a: ServiceAccountView) => ({
  action: `${serviceAccountPath(org, a.username)}/delete`, confirm: 'Delete service account', cancel: serviceAccountPath(org, a.username),
  title: <>Delete {a.username}?</>,
  text: <>All of its tokens are revoked at once and every tool using them stops working. This cannot be undone.</>,
});
