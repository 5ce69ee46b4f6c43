import type { FastifyInstance } from 'fastify';
import { safeReturnTo } from '../../adapters/http/routes/oidc.js';
import { errorPage } from '../pages/errors.js';
import { seeOther, sendPage } from '../render.js';
import { field, queryParam } from './form.js';
import { showSignIn, type WebKit } from './kit.js';

/** `/signin` (every sign-in form posts here), `POST /signout`, and the front door `/`. */
export function signInRoutes(app: FastifyInstance, k: WebKit): void {
  const opts = { config: { auth: 'none' as const }, schema: { hide: true } };

  // Until there is a home page, the front door leads to your tokens.
  app.get('/', opts, async (_req, reply) => seeOther(reply, '/tokens'));

  app.get('/signin', opts, async (req, reply) => {
    const returnTo = safeReturnTo(queryParam(req.query, 'return_to', 1024) ?? '/tokens');
    if (await k.sessions.current(req)) return seeOther(reply, returnTo);
    const out = queryParam(req.query, 'done') === 'signed-out';
    return showSignIn(k, req, reply, { returnTo, title: out ? 'You are signed out' : undefined, intro: out ? 'Sign in again to manage your personal access tokens.' : undefined });
  });

  app.post('/signin', opts, async (req, reply) => {
    const returnTo = safeReturnTo(field(req.body, 'return_to') ?? '/tokens');
    const failed = await k.sessions.signIn(req, reply);
    if (!failed) return seeOther(reply, returnTo);
    // A form left open in another tab after signing in there: nothing to do but go on.
    if (failed.status === 403 && (await k.sessions.current(req))) return seeOther(reply, returnTo);
    return showSignIn(k, req, reply, { status: failed.status, returnTo, error: failed.error, username: failed.username });
  });

  app.post('/signout', opts, async (req, reply) => {
    const ctx = await k.sessions.ctx(req);
    if (!ctx.signed) return seeOther(reply, '/signin?done=signed-out');
    if (!k.sessions.csrfOk(req, ctx.signed)) {
      return sendPage(reply, 403, errorPage(ctx, { title: 'The form has expired', message: 'Signing out needs the form from this site (missing or wrong CSRF token). Reload the page and try again.' }));
    }
    await k.sessions.signOut(req, reply, ctx.signed);
    return seeOther(reply, '/signin?done=signed-out');
  });
}
