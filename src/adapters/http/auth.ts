import type { FastifyReply, FastifyRequest } from 'fastify';
import { PatdError } from '../../core/errors.js';
import { constantTimeEqual } from '../../core/ids.js';
import type { Caller } from '../../core/model.js';
import type { TokenPrincipal } from '../../core/tokens/verify.js';
import { clearCookie, readCookie, setCookie } from './cookies.js';
import { tokenFromAuthorization } from './credentials.js';
import type { AppDeps, AuthRule } from './deps.js';
import type { HotRequest } from './hot-path.js';

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

/** The scope a token needs under this rule, or the refusal of any token (a session-only rule). */
function tokenRule(rule: Exclude<AuthRule, 'none'>): { scope: string | undefined } | PatdError {
  if (rule.sessionOnly) return new PatdError('session_required', 'this action needs a signed-in session, not a token');
  const scope = rule.admin ? '*' : rule.scope;
  if (!scope && !rule.patOnly) return new PatdError('session_required', 'this action needs a signed-in session, not a token');
  return { scope };
}

/**
 * Applies a route's AuthRule; sets req.caller (and req.session for cookie sign-ins).
 * Synchronous (returns undefined) when the verifier's cache decides, which is the hot path.
 */
export function authenticate(deps: AppDeps, req: FastifyRequest, rule: AuthRule): Promise<void> | undefined {
  if (rule === 'none') return undefined;
  if (req.headers.authorization) {
    const t = tokenRule(rule);
    if (t instanceof PatdError) throw t;
    const secret = readSecret(req);
    const o = { scope: t.scope, ip: req.ip };
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

/**
 * `authenticate` for the hot path (hot-path.ts): the principal when the request carries a
 * token that the verifier's cache admits under this rule; undefined otherwise, having recorded
 * nothing, so that `authenticate` decides (and counts) every other case. Admin rules are
 * always left to it.
 */
export function cachedPrincipal(deps: AppDeps, req: HotRequest, rule: AuthRule): TokenPrincipal | undefined {
  if (rule === 'none' || rule.admin) return undefined;
  const t = tokenRule(rule);
  if (t instanceof PatdError) return undefined;
  const secret = tokenFromAuthorization(req.raw.headers.authorization);
  if (typeof secret !== 'string') return undefined;
  return deps.core.verifier.verifyHit(secret, { scope: t.scope, ip: req.ip });
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
