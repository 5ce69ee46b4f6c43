import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppDeps } from '../../adapters/http/deps.js';
import type { AuditService } from '../../core/audit/query.js';
import { safeReturnTo } from '../../adapters/http/routes/oidc.js';
import type { PageCtx, Viewer } from '../context.js';
import { signInPage } from '../pages/sign-in.js';
import { errorPage } from '../pages/errors.js';
import { sendPage } from '../render.js';
import type { SecretOnce } from './secret-once.js';
import type { Signed, WebSessions } from './session.js';

/** What every page route gets. */
export interface WebKit {
  deps: AppDeps;
  sessions: WebSessions;
  secrets: SecretOnce;
  /** The longest expiry warning lead in days (tokens inside it are marked). */
  leadDays: number;
  /** The audit trail's reader (the security log on the account page). */
  audit?: AuditService;
}

export type SignedCtx = PageCtx & { viewer: Viewer; signed: Signed };

/** The sign-in form in place of the page a signed-out browser asked for (the address stays). */
export function showSignIn(k: Pick<WebKit, 'deps' | 'sessions'>, req: FastifyRequest, reply: FastifyReply, o: { status?: number; returnTo: string; title?: string; intro?: string; error?: string; username?: string }) {
  const ctx = { viewer: null, now: k.deps.core.clock.now() };
  return sendPage(reply, o.status ?? 200, signInPage(ctx, {
    title: o.title, intro: o.intro, returnTo: safeReturnTo(o.returnTo), loginCsrf: k.sessions.loginCsrf(req, reply),
    error: o.error, username: o.username, sso: !!k.deps.http.ssoSignIn,
  }));
}

/**
 * A page for signed-in people: the handler runs with the viewer, or the browser gets the
 * sign-in form. A POST must also carry the session's CSRF token in `csrf_token`.
 */
export async function signedIn(
  k: WebKit, req: FastifyRequest, reply: FastifyReply, o: { returnTo: string; title?: string },
  handler: (ctx: SignedCtx) => Promise<unknown>,
): Promise<unknown> {
  const ctx = await k.sessions.ctx(req);
  if (!ctx.signed || !ctx.viewer) {
    const post = req.method === 'POST';
    return showSignIn(k, req, reply, { status: post ? 401 : 200, returnTo: o.returnTo, title: o.title, error: post ? 'Your session has ended. Sign in again.' : undefined });
  }
  if (req.method === 'POST' && !k.sessions.csrfOk(req, ctx.signed)) {
    return sendPage(reply, 403, errorPage(ctx, { title: 'The form has expired', message: 'The form has expired or came from another site (missing or wrong CSRF token). Open the page again and retry.', back: { href: safeReturnTo(o.returnTo), label: 'Open the page again' } }));
  }
  return handler(ctx as SignedCtx);
}
