import { alert, esc, page, ssoHref } from './html.js';

/** OpenID Connect sign-in did not happen: what went wrong and a way to start again. */
export function oidcErrorPage(message: string, returnTo: string): string {
  return page('Sign-in failed', `${alert(message)}
<p><a href="${esc(ssoHref(returnTo))}">Sign in with SSO again</a></p>`);
}
