import type { FastifyReply, FastifyRequest } from 'fastify';
import { isPatdError } from '../../../core/errors.js';
import type { HttpExtension } from '../deps.js';
import { field, seeOther, sendHtml as html } from '../pages/html.js';
import { pageSessions } from '../pages/sign-in.js';
import { tokenErrorPage, tokenListPage, tokenPage, tokenSignInPage } from '../pages/tokens.js';

/**
 * The pages the notification mails link to, plain HTML usable without JavaScript:
 * `/tokens` lists your active tokens, `/tokens/{id}` shows one and renews or revokes it.
 * Another user's token is "not found", as in the API.
 */
export const tokenPages: HttpExtension = async (app, deps) => {
  const sessions = pageSessions(deps, '/tokens');
  const signIn = (reply: FastifyReply, status: number, action: string, error?: string, username?: string) =>
    html(reply, status, tokenSignInPage(action, sessions.issue(reply), error, username, !!deps.http.ssoSignIn));
  const idOf = (req: FastifyRequest) => String((req.params as { id: string }).id).slice(0, 64);

  // Until the web UI has a home page, the front door leads to your tokens (where sign-in lands without a return_to).
  app.get('/', { config: { auth: 'none' }, schema: { hide: true } }, async (_req, reply) => seeOther(reply, '/tokens'));

  app.get('/tokens', { config: { auth: 'none' }, schema: { hide: true } }, async (req, reply) => {
    const s = await sessions.current(req);
    if (!s) return signIn(reply, 200, '/tokens');
    return html(reply, 200, tokenListPage(await deps.tokens.listAll(s.user, 'active'), s.user.username));
  });

  app.get('/tokens/:id', { config: { auth: 'none' }, schema: { hide: true } }, async (req, reply) => {
    const id = idOf(req);
    const s = await sessions.current(req);
    if (!s) return signIn(reply, 200, `/tokens/${encodeURIComponent(id)}`);
    const q = req.query as { done?: unknown; days?: unknown };
    const done = q.done === 'renewed' || q.done === 'revoked' ? q.done : undefined;
    const days = typeof q.days === 'string' && /^\d{1,4}$/.test(q.days) ? Number(q.days) : undefined;
    try {
      return html(reply, 200, tokenPage(await deps.tokens.get(s.user, id), { csrf: s.session.csrfToken, username: s.user.username, done, days }));
    } catch (e) {
      if (isPatdError(e) && e.code === 'not_found') return html(reply, 404, tokenErrorPage('There is no such token on your account.'));
      throw e;
    }
  });

  const post = async (req: FastifyRequest, reply: FastifyReply, id: string | null) => {
    const here = id === null ? '/tokens' : `/tokens/${encodeURIComponent(id)}`;
    const b = req.body;
    const action = field(b, 'action');
    if (action === 'signin') {
      const failed = await sessions.signIn(req, reply);
      if (failed) return signIn(reply, failed.status, here, failed.error, failed.username);
      return seeOther(reply, here);
    }
    if (id === null || (action !== 'revoke' && action !== 'renew')) return html(reply, 400, tokenErrorPage('unknown action'));
    const s = await sessions.current(req);
    if (!s) return signIn(reply, 401, here, 'Your session has ended; sign in again.');
    if (!sessions.csrfOk(req, s)) {
      return html(reply, 403, tokenErrorPage('The form has expired (missing or wrong CSRF token). Open the page again.'));
    }
    const failedWith = async (status: number, error: string) =>
      html(reply, status, tokenPage(await deps.tokens.get(s.user, id), { csrf: s.session.csrfToken, username: s.user.username, error }));
    // Post/redirect/get: the result is a page of its own, so a reload never posts the action again.
    const done = (query: string) => seeOther(reply, `${here}?${query}`);
    try {
      if (action === 'revoke') {
        await deps.tokens.revoke(sessions.callerOf(req, s.user), s.user, id);
        return done('done=revoked');
      }
      const days = field(b, 'days') ?? '';
      if (!/^\d{1,4}$/.test(days)) return await failedWith(400, 'Choose how many days the token should live.');
      await deps.tokens.edit(sessions.callerOf(req, s.user), s.user, id, { expiresInDays: Number(days) });
      return done(`done=renewed&days=${days}`);
    } catch (e) {
      if (!isPatdError(e) || e.status >= 500) throw e;
      if (e.code === 'not_found') return html(reply, 404, tokenErrorPage('There is no such token on your account.'));
      return await failedWith(e.status, e.message);
    }
  };
  app.post('/tokens', { config: { auth: 'none' }, schema: { hide: true } }, (req, reply) => post(req, reply, null));
  app.post('/tokens/:id', { config: { auth: 'none' }, schema: { hide: true } }, (req, reply) => post(req, reply, idOf(req)));
};
