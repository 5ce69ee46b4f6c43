import type { DeviceRequestView } from '../../../core/device/service.js';
import { alert, esc, hidden, page, signInForm } from './html.js';

/** The pages of /device (RFC 8628 approval). */
export function signInPage(userCode: string, loginCsrf: string, error?: string, username?: string, sso = false): string {
  return signInForm({
    title: 'Sign in to approve a device', intro: 'A device or program asks for a personal access token. Sign in to see what it asks for.',
    action: '/device', loginCsrf, fields: { user_code: userCode }, error, username,
    sso: sso ? (userCode ? `/device?user_code=${encodeURIComponent(userCode)}` : '/device') : undefined,
  });
}

export function enterCodePage(error?: string): string {
  return page('Connect a device', `${alert(error)}
<p>Enter the code shown by your device or program.</p>
<form method="get" action="/device">
<label for="user_code">Code</label><input type="text" id="user_code" name="user_code" placeholder="XXXX-XXXX" autocomplete="off" required>
<button type="submit">Continue</button>
</form>`);
}

export function approvePage(v: DeviceRequestView, csrf: string, username: string): string {
  const scopes = v.scopes.map((s) => `<li><code>${esc(s.id)}</code>${s.description ? ` — ${esc(s.description)}` : ''}</li>`).join('');
  const orgs = v.orgs === '*' ? 'all your organizations' : v.orgs.map((o) => `<code>${esc(o)}</code>`).join(', ');
  return page('Approve access?', `<p>Signed in as <strong>${esc(username)}</strong>. Check that this code matches the one on your device:</p>
<p class="code">${esc(v.userCode)}</p>
<dl>
<dt>Client</dt><dd>${esc(v.clientName)}</dd>
<dt>Token name</dt><dd>${esc(v.tokenName)}</dd>
<dt>Scopes</dt><dd><ul>${scopes}</ul></dd>
<dt>Organizations</dt><dd>${orgs}</dd>
<dt>Expires</dt><dd>${v.expiresInDays} days after approval</dd>
</dl>
<p>Approving creates a personal access token with these rights for the client. You can revoke it at any time.</p>
<form method="post" action="/device">
${hidden('csrf_token', csrf)}${hidden('user_code', v.userCode)}
<button type="submit" name="action" value="approve">Approve</button>
<button type="submit" name="action" value="deny">Deny</button>
</form>`);
}

export function resultPage(status: 'approved' | 'denied'): string {
  return status === 'approved'
    ? page('Device approved', '<p>The device or program now receives its token. You can close this page and return to it.</p>')
    : page('Request denied', '<p>No token was created. You can close this page.</p>');
}

export function errorPage(message: string): string {
  return page('Something went wrong', `<p class="error" role="alert">${esc(message)}</p><p><a href="/device">Enter a code</a></p>`);
}
