import { type Static, Type } from '@sinclair/typebox';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { userView } from '../../../core/accounts/service.js';
import { caller } from '../auth.js';
import type { AppDeps } from '../deps.js';
import type { HotAnswer } from '../hot-path.js';
import { errors, UserView } from '../schemas.js';

const MeView = Type.Object({
  user: UserView,
  orgs: Type.Array(Type.Object({ name: Type.String(), role: Type.String() })),
  token: Type.Optional(Type.Object({
    id: Type.String(), scopes: Type.Array(Type.String()), orgs: Type.Union([Type.Literal('*'), Type.Array(Type.String())]), expiresAt: Type.String(),
  })),
});
const PatchMe = Type.Object({
  displayName: Type.Optional(Type.String({ minLength: 1, maxLength: 120 })),
  email: Type.Optional(Type.String({ maxLength: 254 })),
  password: Type.Optional(Type.String({ maxLength: 1024 })),
  currentPassword: Type.Optional(Type.String({ maxLength: 1024 })),
}, { additionalProperties: false });

/** A token's answer, by its cached principal: the handler and the hot path send the same one. */
const answers = new WeakMap<object, HotAnswer>();
const send = (reply: FastifyReply, a: HotAnswer) => reply.code(a.status).headers(a.headers).send(a.body);

export const meRoutes = (deps: AppDeps): FastifyPluginAsync => async (app) => {
  app.get('/me', {
    // A token check, like /auth/verify: no access line per request at info (metrics count each one).
    logLevel: 'warn',
    config: { auth: { scope: 'profile:read' }, hot: (_req, p) => (p ? answers.get(p) : undefined) },
    schema: { tags: ['me'], operationId: 'getMe', summary: 'The caller, and for a PAT its id, scopes, orgs and expiry', response: { 200: MeView, ...errors(401, 403) } },
  }, async (req, reply) => {
    const c = caller(req);
    // A token's answer only changes when its cached principal does: serialize it once.
    const cached = c.principal ? answers.get(c.principal) : undefined;
    if (cached) return send(reply, cached);
    // Who the caller is, for this credential only: no cache (a browser's included) keeps it.
    reply.header('cache-control', 'no-store');
    const ms = c.memberships ?? await deps.core.store.r.members.listForUser(c.user.id);
    const t = c.token;
    const body = {
      user: userView(c.user),
      orgs: ms.map((m) => ({ name: m.orgName, role: m.role })),
      token: t ? {
        id: t.id, scopes: t.scopes, expiresAt: new Date(t.expiresAt).toISOString(),
        orgs: t.orgIds === null ? '*' as const : ms.filter((m) => t.orgIds?.includes(m.orgId)).map((m) => m.orgName),
      } : undefined,
    };
    if (!c.principal) return body;
    const text = reply.serialize(body) as string;
    const a: HotAnswer = {
      status: 200, body: text,
      headers: { 'cache-control': 'no-store', 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(text)) },
    };
    answers.set(c.principal, a);
    return send(reply, a);
  });
  app.patch('/me', {
    config: { auth: { sessionOnly: true } },
    schema: { tags: ['me'], operationId: 'updateMe', summary: 'Edit your profile (a new password or email needs currentPassword; a new password signs out your other sessions)', body: PatchMe, response: { 200: UserView, ...errors(400, 401, 403) } },
  }, async (req) => userView(await deps.accounts.updateMe(caller(req), req.body as Static<typeof PatchMe>, req.session?.id ?? null)));
};
