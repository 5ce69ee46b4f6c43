import { type Static, Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { userView } from '../../../core/accounts/service.js';
import { caller, clearSessionCookie, setSessionCookie } from '../auth.js';
import type { AppDeps } from '../deps.js';
import { errors, NoContent, UserView } from '../schemas.js';

const SignIn = Type.Object({ username: Type.String({ minLength: 1, maxLength: 100 }), password: Type.String({ minLength: 1, maxLength: 1024 }) }, { additionalProperties: false });
const SessionView = Type.Object({ user: UserView, csrfToken: Type.String() });

export const sessionRoutes = (deps: AppDeps): FastifyPluginAsync => async (app) => {
  const secure = deps.http.publicUrl.startsWith('https:');
  app.post('/session', {
    config: { auth: 'none' },
    schema: { tags: ['session'], operationId: 'signIn', summary: 'Sign in', body: SignIn, response: { 200: SessionView, ...errors(400, 401, 429, 503) } },
  }, async (req, reply) => {
    const b = req.body as Static<typeof SignIn>;
    const s = await deps.accounts.signIn(b.username, b.password, req.ip, req.headers['user-agent'] ?? null);
    setSessionCookie(reply, s, secure);
    return { user: userView(s.user), csrfToken: s.session.csrfToken };
  });
  app.get('/session', {
    config: { auth: { sessionOnly: true } },
    schema: { tags: ['session'], operationId: 'getSession', summary: 'Who am I (session)', response: { 200: SessionView, ...errors(401) } },
  }, async (req) => ({ user: userView(caller(req).user), csrfToken: req.session?.csrfToken ?? '' }));
  app.delete('/session', {
    config: { auth: { sessionOnly: true } },
    schema: { tags: ['session'], operationId: 'signOut', summary: 'Sign out', response: { 204: NoContent, ...errors(401, 403) } },
  }, async (req, reply) => {
    if (req.session) await deps.accounts.signOut(caller(req), req.session.id);
    clearSessionCookie(reply);
    return reply.code(204).send();
  });
};
