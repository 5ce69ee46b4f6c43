import type { DayUsage } from '../../core/tokens/usage.js';
import type { TokenView } from '../../core/tokens/view.js';
import { Alert, CsrfField, Notice } from '../components/form.js';
import { Time } from '../components/time.js';
import { Expiry, LastUsed, OrgNames, ScopeNames, StatusBadge, Via } from '../components/token-bits.js';
import { UsageChart } from '../components/usage-chart.js';
import type { PageCtx, Viewer } from '../context.js';
import { Layout, PageHeader } from '../layout.js';

/** What the token page says after an action (post/redirect/get: the action is in the URL, never re-posted). */
export const TOKEN_NOTICES = {
  created: 'The token is created.',
  updated: 'Your changes are saved.',
  renewed: 'The token is renewed.',
  regenerated: 'The token has a new secret.',
  revoked: 'The token is revoked: it no longer works anywhere.',
} as const;
export type TokenNotice = keyof typeof TOKEN_NOTICES;

export interface TokenPageData {
  token: TokenView;
  usage: DayUsage[];
  leadDays: number;
  /** Renew choices (days from now) the token's organizations allow. */
  renewDays: number[];
  renewSelected?: number;
  notice?: TokenNotice;
  error?: string;
}

export const tokenPath = (t: { id: string }) => `/tokens/${encodeURIComponent(t.id)}`;

/** `/tokens/{id}`: one token's facts and use; edit, renew, regenerate and revoke while it is not revoked. */
export function tokenPage(ctx: PageCtx & { viewer: Viewer }, d: TokenPageData) {
  const t = d.token;
  const now = ctx.now;
  const here = tokenPath(t);
  return (
    <Layout ctx={ctx} title={t.name} section="tokens">
      <nav class="breadcrumbs" aria-label="Breadcrumbs"><a href="/tokens">Personal access tokens</a> / <span aria-current="page">{t.name}</span></nav>
      <PageHeader title={t.name} lead={<><StatusBadge status={t.status} /> <code>{t.hint}</code></>} />
      {d.notice && <Notice>{TOKEN_NOTICES[d.notice]}</Notice>}
      {d.error && <Alert>{d.error}</Alert>}
      {t.status === 'revoked' && (
        <p class="callout">This token was revoked <Time at={t.revokedAt ?? t.expiresAt} now={now} format="relative" />{t.revokedReason ? ` (${t.revokedReason})` : ''}. It no longer works anywhere; this page stays for the record.</p>
      )}
      {t.status === 'expired' && <p class="callout warn">This token has expired. Renew it to use it again; its secret stays the same.</p>}
      <dl class="facts">
        <dt>Status</dt><dd><StatusBadge status={t.status} /></dd>
        <dt>Hint</dt><dd><code>{t.hint}</code></dd>
        <dt>Organizations</dt><dd><OrgNames orgs={t.orgs} /></dd>
        <dt>Scopes</dt><dd><ScopeNames scopes={t.scopes} /></dd>
        <dt>Created</dt><dd><Time at={t.createdAt} now={now} /> via <Via t={t} /></dd>
        <dt>Expires</dt><dd>{t.status === 'revoked' ? <Time at={t.expiresAt} now={now} /> : <Expiry t={t} now={now} leadDays={d.leadDays} />}</dd>
        <dt>Last used</dt><dd><LastUsed t={t} now={now} /></dd>
        {t.revokedAt && <><dt>Revoked</dt><dd><Time at={t.revokedAt} now={now} />{t.revokedReason ? ` — ${t.revokedReason}` : ''}</dd></>}
      </dl>

      <section aria-labelledby="usage-heading">
        <h2 id="usage-heading">Use in the last 30 days</h2>
        <UsageChart days={d.usage} />
      </section>

      {t.status !== 'revoked' && (
        <section aria-labelledby="manage-heading">
          <h2 id="manage-heading">Manage</h2>
          <form method="post" action={`${here}/renew`} class="inline-form">
            <CsrfField csrf={ctx.viewer.csrf} />
            <div class="field">
              <label for="days">Renew: expire in</label>
              <select id="days" name="days">
                {d.renewDays.map((n) => <option key={n} value={String(n)} selected={n === (d.renewSelected ?? 30)}>{n} days</option>)}
              </select>
            </div>
            <button type="submit" class="btn btn-primary">Renew</button>
          </form>
          <p class="actions">
            <a class="btn btn-secondary" href={`${here}/edit`}>Edit token</a>
            <a class="btn btn-secondary" href={`${here}/regenerate`}>Regenerate…</a>
          </p>
          <div class="danger-zone">
            <h3>Revoke</h3>
            <p>Revoking stops the token at once, everywhere. It cannot be undone.</p>
            <p><a class="btn btn-danger" href={`${here}/revoke`} data-dialog="revoke-dialog">Revoke token…</a></p>
            <dialog id="revoke-dialog" aria-labelledby="revoke-dialog-title">
              <h2 id="revoke-dialog-title">Revoke “{t.name}”?</h2>
              <p>Every tool that uses it stops working at once. This cannot be undone.</p>
              <RevokeForm csrf={ctx.viewer.csrf} t={t} dialog />
            </dialog>
          </div>
        </section>
      )}
    </Layout>
  );
}

function RevokeForm(p: { csrf: string; t: TokenView; dialog?: boolean }) {
  return (
    <form method="post" action={`${tokenPath(p.t)}/revoke`} class="actions">
      <CsrfField csrf={p.csrf} />
      <button type="submit" class="btn btn-danger">Revoke token</button>
      {p.dialog ? <button type="button" class="btn btn-secondary" data-close-dialog>Cancel</button> : <a class="btn btn-secondary" href={tokenPath(p.t)}>Cancel</a>}
    </form>
  );
}

/** The confirmation step before revoking (the script shows the same form in a dialog instead). */
export function revokeConfirmPage(ctx: PageCtx & { viewer: Viewer }, t: TokenView) {
  return (
    <Layout ctx={ctx} title={`Revoke ${t.name}?`} section="tokens">
      <nav class="breadcrumbs" aria-label="Breadcrumbs"><a href="/tokens">Personal access tokens</a> / <a href={tokenPath(t)}>{t.name}</a></nav>
      <div class="danger-zone">
        <PageHeader title={<>Revoke “{t.name}”?</>} lead={<>Token <code>{t.hint}</code>. Every tool that uses it stops working at once. This cannot be undone.</>} />
        <RevokeForm csrf={ctx.viewer.csrf} t={t} />
      </div>
    </Layout>
  );
}

export const GRACE_CHOICES = [
  { seconds: 0, label: 'Stop the old secret now' },
  { seconds: 3600, label: 'Keep the old secret working for 1 hour' },
  { seconds: 86_400, label: 'Keep the old secret working for 1 day' },
  { seconds: 7 * 86_400, label: 'Keep the old secret working for 7 days' },
] as const;

/** The confirmation step before regenerating, with the grace period for the old secret. */
export function regenerateConfirmPage(ctx: PageCtx & { viewer: Viewer }, t: TokenView, error?: string) {
  return (
    <Layout ctx={ctx} title={`Regenerate ${t.name}?`} section="tokens">
      <nav class="breadcrumbs" aria-label="Breadcrumbs"><a href="/tokens">Personal access tokens</a> / <a href={tokenPath(t)}>{t.name}</a></nav>
      <PageHeader title={<>Regenerate “{t.name}”?</>} lead="The token gets a new secret; its name, scopes, organizations and expiry stay. Tools using the old secret must be given the new one." />
      {error && <Alert>{error}</Alert>}
      <RegenerateForm action={`${tokenPath(t)}/regenerate`} cancel={tokenPath(t)} csrf={ctx.viewer.csrf} />
    </Layout>
  );
}

/** The grace-period choice and the regenerate button (a person's token, and a service account's). */
export function RegenerateForm(p: { action: string; cancel: string; csrf: string }) {
  return (
    <form method="post" action={p.action} class="card">
      <CsrfField csrf={p.csrf} />
      <fieldset id="f-grace">
        <legend>The old secret</legend>
        <div class="choices">
          {GRACE_CHOICES.map((g) => (
            <label class="choice" key={g.seconds}>
              <input type="radio" name="grace" value={String(g.seconds)} checked={g.seconds === 0} />
              <span>{g.label}</span>
            </label>
          ))}
        </div>
      </fieldset>
      <div class="actions">
        <button type="submit" class="btn btn-danger">Regenerate token</button>
        <a class="btn btn-secondary" href={p.cancel}>Cancel</a>
      </div>
    </form>
  );
}
