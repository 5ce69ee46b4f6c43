import { type Static, Type } from '@sinclair/typebox';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { CreatedVia, TokenStatus } from '../../../core/model.js';
import { expiryCalendar } from '../../../core/tokens/calendar.js';
import { tokenUsage } from '../../../core/tokens/usage.js';
import { caller } from '../auth.js';
import type { AppDeps } from '../deps.js';
import { Expiry, errors, NoContent, Orgs, PageQuery, pageOf, parseLimit, TokenView } from '../schemas.js';

const Create = Type.Object({
  name: Type.String({ maxLength: 500 }),
  scopes: Type.Array(Type.String({ maxLength: 100 }), { maxItems: 100 }),
  orgs: Type.Optional(Orgs),
  ...Expiry,
}, { additionalProperties: false });
const Edit = Type.Object({
  name: Type.Optional(Type.String({ maxLength: 500 })),
  scopes: Type.Optional(Type.Array(Type.String({ maxLength: 100 }), { maxItems: 100 })),
  orgs: Type.Optional(Orgs),
  ...Expiry,
}, { additionalProperties: false });
const Regenerate = Type.Union([Type.Null(), Type.Object({ graceSeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 604800 })) }, { additionalProperties: false })]);
const Issued = Type.Object({ token: TokenView, secret: Type.String() });
const Id = Type.Object({ id: Type.String({ maxLength: 64 }) });
const Usage = Type.Object({
  days: Type.Array(Type.Object({
    day: Type.String({ description: 'UTC day, YYYY-MM-DD' }),
    count: Type.Integer({ description: 'requests made with the token that day' }),
    ips: Type.Array(Type.String(), { description: 'distinct client IPs seen that day (at most 20)' }),
  }), { description: 'the last 30 days, oldest first; days without use have count 0' }),
});
const ListQuery = Type.Object({
  status: Type.Optional(Type.Union(['active', 'expired', 'revoked', 'all'].map((s) => Type.Literal(s)))),
  q: Type.Optional(Type.String({ maxLength: 120, description: 'part of the name or hint (any case)' })),
  ...PageQuery,
}, { additionalProperties: false });

/** Tokens made through the API with a PAT say `api`; with a browser session, `web`. */
export function viaOf(req: FastifyRequest): CreatedVia {
  return req.caller?.token ? 'api' : 'web';
}

export const tokenRoutes = (deps: AppDeps): FastifyPluginAsync => async (app) => {
  const tags = ['tokens'];
  app.post('/tokens', {
    config: { auth: { scope: 'tokens:manage' } },
    schema: { tags, operationId: 'createToken', summary: 'Create a token; the secret is in this answer only', body: Create, response: { 201: Issued, ...errors(400, 401, 403, 413) } },
  }, async (req, reply) => {
    const c = caller(req);
    const issued = await deps.tokens.create(c, c.user, req.body as Static<typeof Create>, { via: viaOf(req) });
    return reply.code(201).header('cache-control', 'no-store').send(issued);
  });
  app.get('/tokens', {
    config: { auth: { scope: 'tokens:read' } },
    schema: { tags, operationId: 'listTokens', summary: "The caller's tokens", querystring: ListQuery, response: { 200: pageOf(TokenView), ...errors(400, 401, 403) } },
  }, async (req) => {
    const q = req.query as Static<typeof ListQuery>;
    return deps.tokens.list(caller(req).user, (q.status ?? 'active') as TokenStatus | 'all', { limit: parseLimit(q.limit), cursor: q.cursor ?? null }, q.q);
  });
  app.get('/tokens/expiries.ics', {
    config: { auth: { scope: 'tokens:read' } },
    schema: {
      tags, operationId: 'getTokenExpiryCalendar', summary: "iCalendar feed of the caller's active tokens' expiries, with reminders at the warning leads",
      response: { 200: { description: 'An iCalendar feed (RFC 5545)', content: { 'text/calendar': { schema: Type.String() } } }, ...errors(401, 403) },
    },
  }, async (req, reply) => {
    const c = caller(req);
    const tokens = await deps.tokens.listAll(c.user, 'active');
    const ics = expiryCalendar(tokens, {
      publicUrl: deps.http.publicUrl, now: deps.core.clock.now(), leadDays: deps.http.expiryWarningDays ?? [7], username: c.user.username,
    });
    return reply.type('text/calendar; charset=utf-8').header('cache-control', 'private, no-cache')
      .header('content-disposition', 'inline; filename="patd-token-expiries.ics"').send(ics);
  });
  app.get('/tokens/self', {
    config: { auth: { patOnly: true } },
    schema: { tags, operationId: 'getSelfToken', summary: 'The token used for this call', response: { 200: TokenView, ...errors(401) } },
  }, async (req) => deps.tokens.self(caller(req)));
  app.delete('/tokens/self', {
    config: { auth: { patOnly: true } },
    schema: { tags, operationId: 'revokeSelfToken', summary: 'Revoke the token used for this call (any valid PAT; e.g. on logout)', response: { 204: NoContent, ...errors(401) } },
  }, async (req, reply) => {
    await deps.tokens.revokeSelf(caller(req));
    return reply.code(204).send();
  });
  app.get('/tokens/:id', {
    config: { auth: { scope: 'tokens:read' } },
    schema: { tags, operationId: 'getToken', summary: 'One token', params: Id, response: { 200: TokenView, ...errors(401, 403, 404) } },
  }, async (req) => deps.tokens.get(caller(req).user, (req.params as Static<typeof Id>).id));
  app.get('/tokens/:id/usage', {
    config: { auth: { scope: 'tokens:read' } },
    schema: { tags, operationId: 'getTokenUsage', summary: "One token's requests per day (UTC) over the last 30 days, with the IPs seen", params: Id, response: { 200: Usage, ...errors(401, 403, 404) } },
  }, async (req) => tokenUsage(deps.core, deps.tokens, caller(req).user, (req.params as Static<typeof Id>).id));
  app.patch('/tokens/:id', {
    config: { auth: { scope: 'tokens:manage' } },
    schema: { tags, operationId: 'updateToken', summary: 'Rename, renew, change scopes or orgs; policy is re-checked', params: Id, body: Edit, response: { 200: TokenView, ...errors(400, 401, 403, 404, 409) } },
  }, async (req) => {
    const c = caller(req);
    return deps.tokens.edit(c, c.user, (req.params as Static<typeof Id>).id, req.body as Static<typeof Edit>);
  });
  app.post('/tokens/:id/regenerate', {
    config: { auth: { scope: 'tokens:manage' } },
    schema: { tags, operationId: 'regenerateToken', summary: 'New secret, same id and settings', params: Id, body: Regenerate, response: { 200: Issued, ...errors(400, 401, 403, 404, 409) } },
  }, async (req, reply) => {
    const c = caller(req);
    const b = (req.body ?? {}) as { graceSeconds?: number };
    const issued = await deps.tokens.regenerate(c, c.user, (req.params as Static<typeof Id>).id, b.graceSeconds ?? 0);
    return reply.header('cache-control', 'no-store').send(issued);
  });
  app.delete('/tokens/:id', {
    config: { auth: { scope: 'tokens:manage' } },
    schema: { tags, operationId: 'revokeToken', summary: 'Revoke (idempotent)', params: Id, response: { 204: NoContent, ...errors(401, 403, 404) } },
  }, async (req, reply) => {
    const c = caller(req);
    await deps.tokens.revoke(c, c.user, (req.params as Static<typeof Id>).id);
    return reply.code(204).send();
  });
};
