import type { FastifyReply, FastifyRequest } from 'fastify';
import { isPatdError } from '../../../core/errors.js';
import { constantTimeEqual } from '../../../core/ids.js';
import type { Caller, User } from '../../../core/model.js';
import { sessionCookie, setSessionCookie } from '../auth.js';
import type { AppDeps } from '../deps.js';
import { field, loginCsrf } from './html.js';

/** Sign-in and sessions for the server-rendered pages under one path (/device, /tokens). */
export function pageSessions(deps: AppDeps, path: string) {
  const secure = deps.http.publicUrl.startsWith('https:');
  const csrf = loginCsrf(path, secure);
  return {
    /** A fresh login CSRF value for a sign-in form (sets its cookie). */
    issue: (reply: FastifyReply) => csrf.issue(reply),
    /** A signed-in page user as the caller of a use case. */
    callerOf: (req: FastifyRequest, user: User): Caller => ({ user, token: null, ip: req.ip, userAgent: req.headers['user-agent'] ?? null }),
    /** Whether a posted page form carries the session's CSRF token (field `csrf_token`). */
    csrfOk(req: FastifyRequest, s: { session: { csrfToken: string } }): boolean {
      const sent = field(req.body, 'csrf_token');
      return typeof sent === 'string' && constantTimeEqual(sent, s.session.csrfToken);
    },
    /** The signed-in user and session of this request, if any. */
    async current(req: FastifyRequest): Promise<{ user: User; session: { csrfToken: string } } | null> {
      const c = sessionCookie(req);
      return c ? deps.accounts.fromCookie(c, req.ip) : null;
    },
    /**
     * Handles a posted sign-in form: checks the login CSRF value, signs in and sets the session
     * cookie. Returns null on success, else the status and message to show with a new form.
     */
    async signIn(req: FastifyRequest, reply: FastifyReply): Promise<{ status: number; error: string; username: string } | null> {
      const b = req.body;
      const username = (field(b, 'username') ?? '').slice(0, 100);
      if (!csrf.check(req, field(b, 'login_csrf'))) return { status: 403, error: 'The sign-in form has expired or came from another site; sign in again.', username };
      try {
        const s = await deps.accounts.signIn(field(b, 'username') ?? '', field(b, 'password') ?? '', req.ip, req.headers['user-agent'] ?? null);
        setSessionCookie(reply, s, secure);
        return null;
      } catch (e) {
        if (isPatdError(e) && (e.code === 'invalid_credentials' || e.code === 'rate_limited')) return { status: e.status, error: e.message, username };
        throw e;
      }
    },
  };
}
