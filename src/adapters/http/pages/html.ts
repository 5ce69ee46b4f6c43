import type { FastifyReply, FastifyRequest } from 'fastify';
import { constantTimeEqual, randomSecret } from '../../../core/ids.js';

/** Shared pieces of patd's server-rendered pages (/device, /tokens): plain HTML forms, no JavaScript. */
export const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export const hidden = (name: string, value: string) => `<input type="hidden" name="${name}" value="${esc(value)}">`;

export const alert = (error?: string) => (error ? `<p class="error" role="alert">${esc(error)}</p>` : '');

export function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)} · patd</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;color:#222}
label{display:block;margin:.75rem 0 .25rem}input[type=text],input[type=password]{box-sizing:border-box;width:100%;padding:.4rem;font:inherit}
button,select{font:inherit;padding:.4rem 1rem;margin:1rem .5rem 0 0}.error{color:#a00}.notice{color:#060}.code{font:600 1.4rem monospace;letter-spacing:.1em}
dt{font-weight:600;margin-top:.5rem}table{border-collapse:collapse}td,th{text-align:left;padding:.25rem .75rem .25rem 0}</style></head>
<body><h1>${esc(title)}</h1>
${body}
</body></html>
`;
}

/** Sends a page with the headers every page gets: no caching, no framing, forms to this origin only. */
export function sendHtml(reply: FastifyReply, status: number, body: string) {
  return reply.code(status)
    .header('cache-control', 'no-store')
    .header('x-frame-options', 'DENY')
    .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'")
    .header('referrer-policy', 'no-referrer')
    .type('text/html; charset=utf-8').send(body);
}

/** 303 See Other, never cached: how every page form ends (post/redirect/get) and how sign-in hands over. */
export function seeOther(reply: FastifyReply, location: string) {
  return reply.code(303).header('cache-control', 'no-store').redirect(location, 303);
}

const LOGIN_CSRF_COOKIE = 'patd_login_csrf';

/**
 * Login CSRF for a page's sign-in form: a random value in a SameSite=Strict cookie (scoped to
 * the page's path) and in the form; a form posted from another site arrives without the cookie.
 */
export function loginCsrf(path: string, secure: boolean) {
  return {
    issue(reply: FastifyReply): string {
      const token = randomSecret(24);
      reply.setCookie(LOGIN_CSRF_COOKIE, token, { httpOnly: true, sameSite: 'strict', secure, path, maxAge: 3600 });
      return token;
    },
    check(req: FastifyRequest, sent: string | undefined): boolean {
      const kept = req.headers.cookie ? req.server.parseCookie(req.headers.cookie)[LOGIN_CSRF_COOKIE] : undefined;
      return typeof sent === 'string' && !!kept && constantTimeEqual(sent, kept);
    },
  };
}

/** Where "Sign in with SSO" (OpenID Connect) starts, coming back to `returnTo` afterwards. */
export const ssoHref = (returnTo: string) => `/signin/oidc?return_to=${encodeURIComponent(returnTo)}`;

/**
 * A sign-in form that posts `action=signin` (with the login CSRF value) back to `action`; after a failed try it keeps the username.
 * With `sso` (the path to come back to) it also offers OpenID Connect sign-in.
 */
export function signInForm(o: { title: string; intro: string; action: string; loginCsrf: string; fields?: Record<string, string>; error?: string; username?: string; sso?: string }): string {
  const extra = Object.entries(o.fields ?? {}).map(([k, v]) => hidden(k, v)).join('');
  const sso = o.sso === undefined ? '' : `\n<p><a class="sso" href="${esc(ssoHref(o.sso))}">Sign in with SSO</a> or with your patd password:</p>`;
  return page(o.title, `${alert(o.error)}
<p>${esc(o.intro)}</p>${sso}
<form method="post" action="${esc(o.action)}">
${hidden('action', 'signin')}${extra}${hidden('login_csrf', o.loginCsrf)}
<label for="username">Username</label><input type="text" id="username" name="username" autocomplete="username" value="${esc(o.username ?? '')}" required>
<label for="password">Password</label><input type="password" id="password" name="password" autocomplete="current-password" required>
<button type="submit">Sign in</button>
</form>`);
}

type Form = Record<string, string | string[] | undefined>;

/** A string field of a parsed form (or JSON) body. */
export const field = (b: unknown, k: string): string | undefined => {
  const v = (b && typeof b === 'object' ? (b as Form)[k] : undefined);
  return typeof v === 'string' ? v : undefined;
};

/** A page answering a rate_limited refusal says when to come back, as every 429 does (Retry-After, whole seconds). */
export function withRetryAfter(reply: FastifyReply, e: { extras: { retryAfter?: number } }): FastifyReply {
  if (e.extras.retryAfter !== undefined) reply.header('retry-after', String(e.extras.retryAfter));
  return reply;
}
