import type { DeviceRequestView } from '../../../core/device/service.js';

/** Server-rendered pages of /device: plain HTML forms, no JavaScript. */
const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)} · patd</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;color:#222}
label{display:block;margin:.75rem 0 .25rem}input[type=text],input[type=password]{width:100%;padding:.4rem;font:inherit}
button{font:inherit;padding:.4rem 1rem;margin:1rem .5rem 0 0}.error{color:#a00}.code{font:600 1.4rem monospace;letter-spacing:.1em}
dt{font-weight:600;margin-top:.5rem}</style></head>
<body><h1>${esc(title)}</h1>
${body}
</body></html>
`;
}

const hidden = (name: string, value: string) => `<input type="hidden" name="${name}" value="${esc(value)}">`;

export function signInPage(userCode: string, loginCsrf: string, error?: string): string {
  return page('Sign in to approve a device', `${error ? `<p class="error" role="alert">${esc(error)}</p>` : ''}
<p>A device or program asks for a personal access token. Sign in to see what it asks for.</p>
<form method="post" action="/device">
${hidden('action', 'signin')}${hidden('user_code', userCode)}${hidden('login_csrf', loginCsrf)}
<label for="username">Username</label><input type="text" id="username" name="username" autocomplete="username" required>
<label for="password">Password</label><input type="password" id="password" name="password" autocomplete="current-password" required>
<button type="submit">Sign in</button>
</form>`);
}

export function enterCodePage(error?: string): string {
  return page('Connect a device', `${error ? `<p class="error" role="alert">${esc(error)}</p>` : ''}
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

export function resultPage(status: 'approved' | 'denied', clientName?: string): string {
  return status === 'approved'
    ? page('Device approved', `<p>${clientName ? `<strong>${esc(clientName)}</strong> ` : 'The device '}now receives its token. You can close this page and return to your device.</p>`)
    : page('Request denied', '<p>No token was created. You can close this page.</p>');
}

export function errorPage(message: string): string {
  return page('Something went wrong', `<p class="error" role="alert">${esc(message)}</p><p><a href="/device">Enter a code</a></p>`);
}
