import type { TokenView } from '../../../core/tokens/view.js';
import { alert, esc, hidden, page, signInForm } from './html.js';

/** The pages the mails link to: `/tokens` (your tokens) and `/tokens/{id}` (one token: revoke, renew). */

export const RENEW_DAYS = [7, 30, 60, 90, 180, 365] as const;

const when = (iso: string | null) => (iso ? esc(iso.replace('T', ' ').replace(/\.\d{3}Z$/, ' UTC')) : 'never');
const orgsOf = (t: TokenView) => (t.orgs === '*' ? 'all your organizations' : t.orgs.map((o) => `<code>${esc(o)}</code>`).join(', ') || '(none)');

export function tokenSignInPage(action: string, loginCsrf: string, error?: string, username?: string, sso = false): string {
  return signInForm({
    title: 'Sign in to see your token', intro: 'Sign in to review, renew or revoke your personal access tokens.', action, loginCsrf, error, username,
    sso: sso ? action : undefined,
  });
}

/** What the page says after an action (post/redirect/get: the action is in the URL, never re-posted). */
export type TokenNotice = 'renewed' | 'revoked';

export function tokenPage(t: TokenView, o: { csrf: string; username: string; done?: TokenNotice; days?: number; error?: string }): string {
  const notice = o.done === 'revoked' ? 'The token is revoked: it no longer works anywhere.'
    : o.done === 'renewed' ? `Renewed: the token now expires at ${when(t.expiresAt)}.` : null;
  const selected = o.days ?? 30;
  const via = t.clientName ? `${esc(t.createdVia)} (${esc(t.clientName)})` : esc(t.createdVia);
  const action = `/tokens/${encodeURIComponent(t.id)}`;
  const forms = t.status === 'revoked' ? '' : `
<form method="post" action="${action}">
${hidden('csrf_token', o.csrf)}
<label for="days">Renew: expire in</label>
<select id="days" name="days">${RENEW_DAYS.map((d) => `<option value="${d}"${d === selected ? ' selected' : ''}>${d} days</option>`).join('')}</select>
<button type="submit" name="action" value="renew">Renew</button>
</form>
<form method="post" action="${action}">
${hidden('csrf_token', o.csrf)}
<p>Revoking stops this token at once, everywhere. It cannot be undone.</p>
<button type="submit" name="action" value="revoke">Revoke this token</button>
</form>`;
  return page(`Token "${t.name}"`, `${alert(o.error)}${notice ? `<p class="notice" role="status">${notice}</p>` : ''}
<p>Signed in as <strong>${esc(o.username)}</strong>. <a href="/tokens">All your tokens</a></p>
<dl>
<dt>Status</dt><dd>${esc(t.status)}${t.revokedAt ? ` at ${when(t.revokedAt)}${t.revokedReason ? ` (${esc(t.revokedReason)})` : ''}` : ''}</dd>
<dt>Hint</dt><dd><code>${esc(t.hint)}</code></dd>
<dt>Scopes</dt><dd>${t.scopes.map((s) => `<code>${esc(s)}</code>`).join(', ')}</dd>
<dt>Organizations</dt><dd>${orgsOf(t)}</dd>
<dt>Created</dt><dd>${when(t.createdAt)} via ${via}</dd>
<dt>Expires</dt><dd>${when(t.expiresAt)}</dd>
<dt>Last used</dt><dd>${when(t.lastUsedAt)}${t.lastUsedIp ? ` from ${esc(t.lastUsedIp)}` : ''}</dd>
</dl>${forms}`);
}

export function tokenListPage(tokens: TokenView[], username: string): string {
  const rows = tokens.map((t) => `<tr><td><a href="/tokens/${encodeURIComponent(t.id)}">${esc(t.name)}</a></td><td><code>${esc(t.hint)}</code></td><td>${when(t.expiresAt)}</td></tr>`).join('\n');
  return page('Your personal access tokens', `<p>Signed in as <strong>${esc(username)}</strong>. Active tokens, newest first:</p>
${tokens.length ? `<table><thead><tr><th>Name</th><th>Hint</th><th>Expires</th></tr></thead><tbody>\n${rows}\n</tbody></table>` : '<p>You have no active tokens.</p>'}`);
}

export function tokenErrorPage(message: string): string {
  return page('Token not available', `${alert(message)}<p><a href="/tokens">Your tokens</a></p>`);
}
