import { type Static, Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { SessionService } from '../../../core/accounts/sessions.js';
import { caller, clearSessionCookie } from '../auth.js';
import type { AppDeps, HttpExtension } from '../deps.js';
import { errors, NoContent } from '../schemas.js';

const SessionView = Type.Object({
  id: Type.String(), current: Type.Boolean(), createdAt: Type.String({ format: 'date-time' }), lastSeenAt: Type.String({ format: 'date-time' }),
  expiresAt: Type.String({ format: 'date-time' }), ip: Type.Union([Type.String(), Type.Null()]), lastSeenIp: Type.Union([Type.String(), Type.Null()]),
  userAgent: Type.Union([Type.String(), Type.Null()]),
});
const IdParam = Type.Object({ id: Type.String({ maxLength: 64 }) });

/** `GET|DELETE /api/v1/me/sessions`, `DELETE /api/v1/me/sessions/{id}`: signed-in sessions only, never a PAT. */
export const meSessionRoutes = (sessions: SessionService): HttpExtension => async (app, deps) => {
  await app.register(plugin(deps, sessions), { prefix: '/api/v1' });
};

const plugin = (_deps: AppDeps, sessions: SessionService): FastifyPluginAsync => async (app) => {
  const tags = ['session'];
  const auth = { sessionOnly: true };
  app.get('/me/sessions', {
    config: { auth }, schema: { tags, operationId: 'listMySessions', summary: 'Your active sessions (created, last seen, IP, user agent; which is this one)', response: { 200: Type.Object({ items: Type.Array(SessionView), nextCursor: Type.Null() }), ...errors(401, 403) } },
  }, async (req) => ({ items: await sessions.list(caller(req), req.session?.id ?? null), nextCursor: null }));
  app.delete('/me/sessions', {
    config: { auth }, schema: { tags, operationId: 'endOtherSessions', summary: 'Sign out everywhere else (this session stays)', response: { 200: Type.Object({ ended: Type.Integer() }), ...errors(401, 403) } },
  }, async (req) => ({ ended: await sessions.revokeOthers(caller(req), req.session?.id ?? '') }));
  app.delete('/me/sessions/:id', {
    config: { auth }, schema: { tags, operationId: 'endSession', summary: 'End one of your sessions', params: IdParam, response: { 204: NoContent, ...errors(401, 403, 404) } },
  }, async (req, reply) => {
    const r = await sessions.revoke(caller(req), req.session?.id ?? null, (req.params as Static<typeof IdParam>).id);
    if (r.current) clearSessionCookie(reply);
    return reply.code(204).send();
  });
};
