import { type Static, Type } from '@sinclair/typebox';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { TokenStatus } from '../../../core/model.js';
import type { ServiceAccountService } from '../../../core/orgs/service-accounts.js';
import { caller } from '../auth.js';
import type { AppDeps, HttpExtension } from '../deps.js';
import { Expiry, errors, NoContent, PageQuery, pageOf, parseLimit, TokenView } from '../schemas.js';
import { viaOf } from './tokens.js';

const Account = Type.Object({
  id: Type.String(), username: Type.String(), displayName: Type.String(), org: Type.String(), disabled: Type.Boolean(), createdAt: Type.String(),
});
const NewAccount = Type.Object({
  username: Type.String({ maxLength: 100 }), displayName: Type.Optional(Type.String({ maxLength: 500 })),
}, { additionalProperties: false });
const NewToken = Type.Object({
  name: Type.String({ maxLength: 500 }),
  scopes: Type.Array(Type.String({ maxLength: 100 }), { maxItems: 100 }),
  ...Expiry,
}, { additionalProperties: false });
const Regenerate = Type.Union([Type.Null(), Type.Object({ graceSeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 604800 })) }, { additionalProperties: false })]);
const Issued = Type.Object({ token: TokenView, secret: Type.String() });
const OrgParam = Type.Object({ org: Type.String({ maxLength: 64 }) });
const AccountParam = Type.Object({ org: Type.String({ maxLength: 64 }), username: Type.String({ maxLength: 64 }) });
const TokenParam = Type.Object({ org: Type.String({ maxLength: 64 }), username: Type.String({ maxLength: 64 }), id: Type.String({ maxLength: 64 }) });
const ListQuery = Type.Object({
  status: Type.Optional(Type.Union(['active', 'expired', 'revoked', 'all'].map((s) => Type.Literal(s)))), ...PageQuery,
}, { additionalProperties: false });

/** `/api/v1/orgs/{org}/service-accounts…`: an org's service accounts and their tokens, for its admins. */
export const serviceAccountRoutes = (sa: ServiceAccountService): HttpExtension => async (app, deps) => {
  await app.register(plugin(sa, deps), { prefix: '/api/v1' });
};

const plugin = (sa: ServiceAccountService, deps: AppDeps): FastifyPluginAsync => async (app) => {
  const tags = ['service accounts'];
  const read = { scope: 'orgs:read' };
  const manage = { scope: 'orgs:manage' };
  const tokensManage = { scope: 'tokens:manage' };
  const tokensRead = { scope: 'tokens:read' };
  const at = async (req: FastifyRequest) => {
    const c = caller(req);
    const p = req.params as { org: string; username?: string };
    return { c, a: await deps.orgs.access(c, p.org, 'admin'), username: p.username ?? '' };
  };

  app.post('/orgs/:org/service-accounts', {
    config: { auth: manage },
    schema: { tags, operationId: 'createServiceAccount', summary: 'Create a service account (org admin); it cannot sign in', params: OrgParam, body: NewAccount, response: { 201: Account, ...errors(400, 401, 403, 404, 409) } },
  }, async (req, reply) => {
    const { c, a } = await at(req);
    return reply.code(201).send(await sa.create(c, a, req.body as Static<typeof NewAccount>));
  });
  app.get('/orgs/:org/service-accounts', {
    config: { auth: read },
    schema: { tags, operationId: 'listServiceAccounts', summary: "The org's service accounts (org admin)", params: OrgParam, response: { 200: Type.Object({ items: Type.Array(Account), nextCursor: Type.Null() }), ...errors(401, 403, 404) } },
  }, async (req) => {
    const { c, a } = await at(req);
    return { items: await sa.list(c, a), nextCursor: null };
  });
  app.get('/orgs/:org/service-accounts/:username', {
    config: { auth: read },
    schema: { tags, operationId: 'getServiceAccount', summary: 'One service account (org admin)', params: AccountParam, response: { 200: Account, ...errors(401, 403, 404) } },
  }, async (req) => {
    const { c, a, username } = await at(req);
    return sa.get(c, a, username);
  });
  app.delete('/orgs/:org/service-accounts/:username', {
    config: { auth: manage },
    schema: { tags, operationId: 'deleteServiceAccount', summary: 'Delete a service account and revoke its tokens (org admin)', params: AccountParam, response: { 204: NoContent, ...errors(401, 403, 404) } },
  }, async (req, reply) => {
    const { c, a, username } = await at(req);
    await sa.delete(c, a, username);
    return reply.code(204).send();
  });

  app.post('/orgs/:org/service-accounts/:username/tokens', {
    config: { auth: tokensManage },
    schema: { tags, operationId: 'createServiceAccountToken', summary: "Create a token for a service account, limited to the org; the secret is in this answer only", params: AccountParam, body: NewToken, response: { 201: Issued, ...errors(400, 401, 403, 404) } },
  }, async (req, reply) => {
    const { c, a, username } = await at(req);
    const issued = await sa.createToken(c, a, username, req.body as Static<typeof NewToken>, viaOf(req));
    return reply.code(201).header('cache-control', 'no-store').send(issued);
  });
  app.get('/orgs/:org/service-accounts/:username/tokens', {
    config: { auth: tokensRead },
    schema: { tags, operationId: 'listServiceAccountTokens', summary: "A service account's tokens (org admin)", params: AccountParam, querystring: ListQuery, response: { 200: pageOf(TokenView), ...errors(400, 401, 403, 404) } },
  }, async (req) => {
    const { c, a, username } = await at(req);
    const q = req.query as Static<typeof ListQuery>;
    return sa.listTokens(c, a, username, (q.status ?? 'active') as TokenStatus | 'all', { limit: parseLimit(q.limit), cursor: q.cursor ?? null });
  });
  app.post('/orgs/:org/service-accounts/:username/tokens/:id/regenerate', {
    config: { auth: tokensManage },
    schema: { tags, operationId: 'regenerateServiceAccountToken', summary: "Regenerate a service account's token (org admin)", params: TokenParam, body: Regenerate, response: { 200: Issued, ...errors(400, 401, 403, 404, 409) } },
  }, async (req, reply) => {
    const { c, a, username } = await at(req);
    const b = (req.body ?? {}) as { graceSeconds?: number };
    const issued = await sa.regenerateToken(c, a, username, (req.params as Static<typeof TokenParam>).id, b.graceSeconds ?? 0);
    return reply.header('cache-control', 'no-store').send(issued);
  });
  app.delete('/orgs/:org/service-accounts/:username/tokens/:id', {
    config: { auth: tokensManage },
    schema: { tags, operationId: 'revokeServiceAccountToken', summary: "Revoke a service account's token (org admin)", params: TokenParam, response: { 204: NoContent, ...errors(401, 403, 404) } },
  }, async (req, reply) => {
    const { c, a, username } = await at(req);
    await sa.revokeToken(c, a, username, (req.params as Static<typeof TokenParam>).id);
    return reply.code(204).send();
  });
};
