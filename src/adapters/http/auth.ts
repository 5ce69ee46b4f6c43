import type { FastifyReply, FastifyRequest } from 'fastify';
import { PatdError } from '../../core/errors.js';
import { constantTimeEqual } from '../../core/ids.js';
import type { Caller } from '../../core/model.js';
import type { TokenPrincipal } from '../../core/tokens/verify.js';
import { clearCookie, readCookie, setCookie } from './cookies.js';
import { tokenFromAuthorization } from './credentials.js';
import type { AppDeps, AuthRule } from './deps.js';

const SESSION_COOKIE = 'patd_session';

/** The session cookie after any sign-in (API, pages, OIDC): one policy in one place. */
export function setSessionCookie(reply: FastifyReply, s: { cookie: string; session: { expiresAt: number } }, secure: boolean): void {
  setCookie(reply, SESSION_COOKIE, s.cookie, { httpOnly: true, sameSite: 'lax', secure, path: '/', expires: new Date(s.session.expiresAt) });
}

/** Drops the session cookie after any sign-out or ended session (API and pages). */
export const clearSessionCookie = (reply: FastifyReply): void => clearCookie(reply, SESSION_COOKIE, { path: '/' });

/** The session cookie, parsed only when a route asks: token requests (the hot path) never pay for it. */
export const sessionCookie = (req: FastifyRequest): string | undefined => readCookie(req, SESSION_COOKIE);
const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function readSecret(req: FastifyRequest): string {
  const secret = tokenFromAuthorization(req.headers.authorization);
  if (secret === null) throw new PatdError('unauthenticated', 'send a personal access token (Basic or Bearer) or sign in');
  if (secret === undefined) throw new PatdError('token_invalid', 'the Authorization header could not be read');
  return secret;
}

function toCaller(req: FastifyRequest, p: TokenPrincipal): Caller {
  return { user: p.user, token: p.token, ip: req.ip, userAgent: req.headers['user-agent'] ?? null, memberships: p.memberships, principal: p, replacedSecret: p.replacedSecret };
}

/** Resolves a PAT from the Authorization header, or throws the right 401/403. */
export async function callerFromToken(deps: AppDeps, req: FastifyRequest, opts: { scope?: string; org?: string } = {}): Promise<Caller> {
  const secret = readSecret(req);
  return toCaller(req, await deps.core.verifier.verify(secret, { scope: opts.scope, org: opts.org, ip: req.ip }));
}

/**
 * Applies a route's AuthRule; sets req.caller (and req.session for cookie sign-ins).
 * Synchronous (returns undefined) when the verifier's cache decides, which is the hot path.
 */
export function authenticate(deps: AppDeps, req: FastifyRequest, rule: AuthRule): Promise<void> | undefined {
  if (rule === 'none') return undefined;
  if (req.headers.authorization) {
    if (rule.sessionOnly) throw new PatdError('session_required', 'this action needs a signed-in session, not a token');
    const scope = rule.admin ? '*' : rule.scope;
    if (!scope && !rule.patOnly) throw new PatdError('session_required', 'this action needs a signed-in session, not a token');
    const secret = readSecret(req);
    const o = { scope, ip: req.ip };
    const done = (p: TokenPrincipal) => {
      req.caller = toCaller(req, p);
      if (rule.admin && !p.user.isAdmin) throw new PatdError('forbidden', 'this needs an instance admin');
      // Instance administration (users, instance webhooks, the outbox) reaches every org: a
      // token limited to some orgs does not carry it, or it could mint an unlimited account.
      if (rule.admin && p.token.orgIds !== null) {
        throw new PatdError('beyond_token', 'instance administration reaches every org; the token used for this call is limited to some (use one for all orgs, "*")', { field: 'orgs' });
      }
    };
    const hit = deps.core.verifier.verifyCached(secret, o);
    if (hit) return void done(hit);
    return deps.core.verifier.verify(secret, o).then(done);
  }
  return sessionAuth(deps, req, rule);
}

async function sessionAuth(deps: AppDeps, req: FastifyRequest, rule: Exclude<AuthRule, 'none'>): Promise<void> {
  const cookie = sessionCookie(req);
  if (cookie && !rule.patOnly) {
    const s = await deps.accounts.fromCookie(cookie, req.ip);
    if (s) {
      if (UNSAFE.has(req.method)) {
        const sent = req.headers['x-csrf-token'];
        if (typeof sent !== 'string' || !constantTimeEqual(sent, s.session.csrfToken)) {
          throw new PatdError('csrf_failed', 'send the X-CSRF-Token header with the csrfToken from /api/v1/session');
        }
      }
      req.session = s.session;
      req.caller = { user: s.user, token: null, ip: req.ip, userAgent: req.headers['user-agent'] ?? null };
      if (rule.admin && !s.user.isAdmin) throw new PatdError('forbidden', 'this needs an instance admin');
      return;
    }
  }
  throw new PatdError('unauthenticated', rule.patOnly ? 'send a personal access token (Basic or Bearer)' : 'sign in or send a personal access token');
}

/** The caller of an authenticated route (the hook guarantees it). */
export function caller(req: FastifyRequest): Caller {
  if (!req.caller) throw new PatdError('unauthenticated');
  return req.caller;
}
