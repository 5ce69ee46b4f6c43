import type { FastifyReply, FastifyRequest } from 'fastify';
import { isPatdError } from '../../core/errors.js';
import { constantTimeEqual, randomSecret } from '../../core/ids.js';
import type { Caller, User } from '../../core/model.js';
import { clearSessionCookie, sessionCookie, setSessionCookie } from '../../adapters/http/auth.js';
import { clearCookie, readCookie, setCookie } from '../../adapters/http/cookies.js';
import type { AppDeps } from '../../adapters/http/deps.js';
import type { PageCtx, Viewer } from '../context.js';
import { withRetryAfter } from '../render.js';
import { field } from './form.js';

const LOGIN_CSRF_COOKIE = 'patd_login_csrf';
const LOGIN_CSRF_RE = /^[A-Za-z0-9_-]{32}$/;

export interface Signed {
  user: User;
  session: { id: string; csrfToken: string };
}

/**
 * Sessions for the pages: who is signed in, the CSRF field of their forms, and sign-in with a
 * login-CSRF check. The login-CSRF value lives in one SameSite=Strict cookie for the whole site
 * and is reused by every sign-in form until someone signs in, so a second tab's form never
 * invalidates the first one's; a form posted from another site arrives without the cookie.
 */
export function webSessions(deps: AppDeps) {
  const secure = deps.http.publicUrl.startsWith('https:');
  const cookieOptions = { httpOnly: true, sameSite: 'strict', secure, path: '/' } as const;

  async function current(req: FastifyRequest): Promise<Signed | null> {
    const c = sessionCookie(req);
    return c ? deps.accounts.fromCookie(c, req.ip) : null;
  }

  return {
    current,
    viewer: (s: Signed | null): Viewer | null => (s ? { user: s.user, csrf: s.session.csrfToken } : null),
    /** The page context of this request (the viewer, if signed in, and the clock). */
    async ctx(req: FastifyRequest): Promise<PageCtx & { signed: Signed | null }> {
      const s = await current(req);
      return { viewer: s ? { user: s.user, csrf: s.session.csrfToken } : null, now: deps.core.clock.now(), signed: s };
    },
    /** A signed-in page user as the caller of a use case. */
    callerOf: (req: FastifyRequest, user: User): Caller => ({ user, token: null, ip: req.ip, userAgent: req.headers['user-agent'] ?? null }),
    /** Whether a posted page form carries the session's CSRF token (field `csrf_token`). */
    csrfOk(req: FastifyRequest, s: Signed): boolean {
      const sent = field(req.body, 'csrf_token');
      return typeof sent === 'string' && constantTimeEqual(sent, s.session.csrfToken);
    },
    /** This browser's login-CSRF value: the one its cookie already holds, or a new one (and the cookie). */
    loginCsrf(req: FastifyRequest, reply: FastifyReply): string {
      const kept = readCookie(req, LOGIN_CSRF_COOKIE);
      if (kept && LOGIN_CSRF_RE.test(kept)) return kept;
      const value = randomSecret(24);
      setCookie(reply, LOGIN_CSRF_COOKIE, value, { ...cookieOptions, maxAge: 12 * 3600 });
      return value;
    },
    /**
     * A posted sign-in form: checks the login-CSRF value, signs in, sets the session cookie and
     * retires the login-CSRF value. Returns null on success, else what to show with a new form.
     */
    async signIn(req: FastifyRequest, reply: FastifyReply): Promise<{ status: number; error: string; username: string } | null> {
      const b = req.body;
      const username = (field(b, 'username') ?? '').slice(0, 100);
      const kept = readCookie(req, LOGIN_CSRF_COOKIE);
      const sent = field(b, 'login_csrf');
      if (!kept || !sent || !constantTimeEqual(sent, kept)) {
        return { status: 403, error: 'The sign-in form has expired or came from another site. Sign in again.', username };
      }
      try {
        const s = await deps.accounts.signIn(username, field(b, 'password') ?? '', req.ip, req.headers['user-agent'] ?? null);
        setSessionCookie(reply, s, secure);
        clearCookie(reply, LOGIN_CSRF_COOKIE, cookieOptions);
        return null;
      } catch (e) {
        if (isPatdError(e) && (e.code === 'invalid_credentials' || e.code === 'rate_limited')) {
          withRetryAfter(reply, e);
          return { status: e.status, error: e.code === 'invalid_credentials' ? 'Wrong username or password.' : e.message, username };
        }
        throw e;
      }
    },
    /** Ends the session (the same use case as DELETE /api/v1/session) and drops its cookie. */
    async signOut(req: FastifyRequest, reply: FastifyReply, s: Signed): Promise<void> {
      await deps.accounts.signOut({ user: s.user, token: null, ip: req.ip, userAgent: req.headers['user-agent'] ?? null }, s.session.id);
      clearSessionCookie(reply);
    },
  };
}

export type WebSessions = ReturnType<typeof webSessions>;
