import { type Static, Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { userView } from '../../../core/accounts/service.js';
import { contextOf } from '../../../core/model.js';
import { caller } from '../auth.js';
import type { AppDeps } from '../deps.js';
import { errors, PageQuery, pageOf, parseLimit, UserView } from '../schemas.js';

const NewUser = Type.Object({
  username: Type.String({ maxLength: 100 }), email: Type.String({ maxLength: 254 }),
  displayName: Type.Optional(Type.String({ maxLength: 120 })), password: Type.Optional(Type.String({ maxLength: 1024 })),
  admin: Type.Optional(Type.Boolean()),
}, { additionalProperties: false });
const PatchUser = Type.Object({
  disabled: Type.Optional(Type.Boolean()), admin: Type.Optional(Type.Boolean()),
  email: Type.Optional(Type.String({ maxLength: 254 })), displayName: Type.Optional(Type.String({ minLength: 1, maxLength: 120 })),
}, { additionalProperties: false });
const Id = Type.Object({ id: Type.String({ maxLength: 64 }) });
const ListQuery = Type.Object(PageQuery, { additionalProperties: false });

export const userRoutes = (deps: AppDeps): FastifyPluginAsync => async (app) => {
  const tags = ['users'];
  const auth = { admin: true };
  app.post('/users', {
    config: { auth }, schema: { tags, operationId: 'createUser', summary: 'Create a user (instance admin)', body: NewUser, response: { 201: UserView, ...errors(400, 401, 403, 409) } },
  }, async (req, reply) => reply.code(201).send(userView(await deps.accounts.create(contextOf(caller(req)), req.body as Static<typeof NewUser>))));
  app.get('/users', {
    config: { auth }, schema: { tags, operationId: 'listUsers', summary: 'List users (instance admin)', querystring: ListQuery, response: { 200: pageOf(UserView), ...errors(401, 403) } },
  }, async (req) => {
    const q = req.query as Static<typeof ListQuery>;
    const page = await deps.accounts.list({ limit: parseLimit(q.limit), cursor: q.cursor ?? null });
    return { items: page.items.map(userView), nextCursor: page.nextCursor };
  });
  app.patch('/users/:id', {
    config: { auth }, schema: { tags, operationId: 'updateUser', summary: 'Disable, enable, promote or edit a user (instance admin)', params: Id, body: PatchUser, response: { 200: UserView, ...errors(400, 401, 403, 404) } },
  }, async (req) => userView(await deps.accounts.adminUpdate(contextOf(caller(req)), caller(req).user.id, (req.params as Static<typeof Id>).id, req.body as Static<typeof PatchUser>)));
};
