import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ExternalSignIn } from '../../../core/accounts/oidc.js';
import { isPatdError } from '../../../core/errors.js';
import { constantTimeEqual } from '../../../core/ids.js';
import { SecretBox } from '../../../core/notifications/signing.js';
import type { OidcRelyingParty, PendingExternalSignIn } from '../../../core/ports.js';
import { setSessionCookie } from '../auth.js';
import { clearCookie, readCookie, setCookie } from '../cookies.js';
import type { HttpExtension } from '../deps.js';
import { oidcErrorPage } from '../../../web/pages/oidc.js';
import { seeOther, sendPage as html } from '../../../web/render.js';

/** Holds state, nonce and PKCE verifier between the redirect to the provider and its return (sealed, 10 minutes). */
export const OIDC_COOKIE = 'patd_oidc';
const COOKIE_PATH = '/signin/oidc';
const MAX_AGE_S = 600;

interface Kept extends PendingExternalSignIn {
  returnTo: string;
  exp: number;
}

/** Only a path on this origin: one leading `/`, not `//` or `/\` (browsers read both as another host), printable ASCII. */
export function safeReturnTo(v: unknown): string {
  return typeof v === 'string' && v.length <= 1024 && /^\/(?![/\\])[\x21-\x7e]*$/.test(v) ? v : '/';
}

const isKept = (k: unknown): k is Kept => {
  const o = k as Record<string, unknown> | null;
  return !!o && typeof o === 'object' && ['state', 'nonce', 'codeVerifier', 'returnTo'].every((f) => typeof o[f] === 'string') && typeof o.exp === 'number';
};

/**
 * OpenID Connect sign-in for the server-rendered pages: `/signin/oidc?return_to=/path` sends the
 * browser to the provider; `/signin/oidc/callback` verifies its answer (openid-client, in the
 * adapter behind `rp`), signs the identity in and goes back to `return_to`. Failures are HTML
 * pages (400, 401, 503) that never show the code or a token.
 */
export const oidcRoutes = (rp: OidcRelyingParty, external: ExternalSignIn, instanceSecret: string): HttpExtension => async (app, deps) => {
  const secure = deps.http.publicUrl.startsWith('https:');
  const box = new SecretBox(instanceSecret, 'oidc-sign-in');
  const clock = deps.core.clock;
  const callbackUrl = `${deps.http.publicUrl}/signin/oidc/callback`;
  const cookieOptions = { httpOnly: true, sameSite: 'lax', secure, path: COOKIE_PATH } as const;

  const read = (req: FastifyRequest): Kept | null => {
    const raw = readCookie(req, OIDC_COOKIE);
    if (!raw || raw.length > 4096 || !raw.startsWith('v1.')) return null;
    try {
      const k: unknown = JSON.parse(box.open(raw));
      return isKept(k) && k.exp > clock.now() ? { ...k, returnTo: safeReturnTo(k.returnTo) } : null;
    } catch {
      return null; // tampered, sealed with another PATD_SECRET, or not ours
    }
  };
  const fail = (reply: FastifyReply, e: unknown, returnTo: string) => {
    if (!isPatdError(e) || (e.status >= 500 && e.code !== 'unavailable')) throw e;
    return html(reply, e.status, oidcErrorPage({ viewer: null, now: clock.now() }, e.message, returnTo));
  };

  app.get('/signin/oidc', { config: { auth: 'none' }, schema: { hide: true } }, async (req, reply) => {
    const returnTo = safeReturnTo((req.query as { return_to?: unknown }).return_to);
    try {
      const { url, pending } = await rp.begin();
      const kept: Kept = { ...pending, returnTo, exp: clock.now() + MAX_AGE_S * 1000 };
      setCookie(reply, OIDC_COOKIE, box.seal(JSON.stringify(kept)), { ...cookieOptions, maxAge: MAX_AGE_S });
      return seeOther(reply, url);
    } catch (e) {
      return fail(reply, e, returnTo);
    }
  });

  app.get('/signin/oidc/callback', { config: { auth: 'none' }, schema: { hide: true } }, async (req, reply) => {
    const kept = read(req);
    clearCookie(reply, OIDC_COOKIE, cookieOptions);
    const state = (req.query as { state?: unknown }).state;
    if (!kept || typeof state !== 'string' || !constantTimeEqual(state, kept.state)) {
      return html(reply, 400, oidcErrorPage({ viewer: null, now: clock.now() }, 'This sign-in was not started in this browser, has expired (10 minutes) or was tampered with. Start again.', kept?.returnTo ?? '/'));
    }
    try {
      const here = new URL(callbackUrl);
      here.search = new URL(req.url, 'http://patd.invalid').search;
      const identity = await rp.complete(here, kept);
      const s = await external.signIn(identity, req.ip, req.headers['user-agent'] ?? null);
      setSessionCookie(reply, s, secure);
      return seeOther(reply, kept.returnTo);
    } catch (e) {
      return fail(reply, e, kept.returnTo);
    }
  });
};
