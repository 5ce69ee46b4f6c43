import { type Static, Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { PatdError } from '../../../core/errors.js';
import type { Notifications } from '../../../core/notifications/index.js';
import type { WebhookScope } from '../../../core/notifications/webhooks.js';
import { MAX_LEAK_REPORT } from '../../../core/notifications/leaks.js';
import type { OutboxRow, OutboxStatus } from '../../../core/notifications/ports.js';
import { caller } from '../auth.js';
import type { AppDeps, HttpExtension } from '../deps.js';
import { errors, NoContent, PageQuery, pageOf, parseLimit } from '../schemas.js';

const NewWebhook = Type.Object({
  url: Type.String({ maxLength: 2000 }),
  events: Type.Optional(Type.Array(Type.String({ maxLength: 40 }), { maxItems: 10 })),
  description: Type.Optional(Type.String({ maxLength: 200 })),
}, { additionalProperties: false });
const WebhookView = Type.Object({
  id: Type.String(), url: Type.String(), events: Type.Array(Type.String()), description: Type.Union([Type.String(), Type.Null()]),
  org: Type.Union([Type.String(), Type.Null()]), createdAt: Type.String(),
});
const Delivery = Type.Object({
  id: Type.String(), messageId: Type.String(), eventType: Type.String(), attempt: Type.Integer(), at: Type.String(),
  statusCode: Type.Union([Type.Integer(), Type.Null()]), ok: Type.Boolean(), error: Type.Union([Type.String(), Type.Null()]), durationMs: Type.Integer(),
});
const OutboxView = Type.Object({
  id: Type.String(), kind: Type.String(), status: Type.String({ enum: ['pending', 'sending', 'sent', 'failed'] }), attempts: Type.Integer(),
  lastError: Type.Union([Type.String(), Type.Null()]), createdAt: Type.String(), availableAt: Type.String(), sentAt: Type.Union([Type.String(), Type.Null()]),
  event: Type.Union([Type.String(), Type.Null()]), to: Type.Union([Type.Array(Type.String()), Type.Null()]), webhookId: Type.Union([Type.String(), Type.Null()]),
}, { description: 'The envelope of a queued mail or webhook delivery (never its payload)' });
const Paging = Type.Object(PageQuery, { additionalProperties: false });
const Id = Type.Object({ id: Type.String({ maxLength: 64 }) });
const OrgParam = Type.Object({ org: Type.String({ maxLength: 64 }) });
const OrgId = Type.Object({ org: Type.String({ maxLength: 64 }), id: Type.String({ maxLength: 64 }) });
const OutboxQuery = Type.Object({
  status: Type.Optional(Type.Union(['pending', 'sending', 'sent', 'failed'].map((s) => Type.Literal(s)))), ...PageQuery,
}, { additionalProperties: false });
const Revocations = Type.Object({
  tokens: Type.Array(Type.String({ maxLength: 200 }), { maxItems: MAX_LEAK_REPORT }),
}, { additionalProperties: false });

const page = (q: { limit?: string; cursor?: string }) => ({ limit: parseLimit(q.limit), cursor: q.cursor ?? null });
const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());

/** Webhooks (instance and org), the admin's view of the outbox, and leaked-token reports. */
export const notificationRoutes = (n: Notifications): HttpExtension => async (app, deps) => {
  await app.register(plugin(n, deps), { prefix: '/api/v1' });
};

const plugin = (n: Notifications, deps: AppDeps): FastifyPluginAsync => async (app) => {
  const tags = ['webhooks'];
  const admin = { admin: true };
  const orgOf = async (req: { params: unknown }) => deps.orgs.access(caller(req as never), (req.params as { org: string }).org, 'admin');
  const deliveries = async (org: WebhookScope, id: string, q: { limit?: string; cursor?: string }) => {
    const p = await n.webhooks.deliveries(org, id, page(q));
    return { items: p.items.map((d) => ({ ...d, at: iso(d.at) })), nextCursor: p.nextCursor };
  };

  // Instance webhooks: every event.
  app.post('/webhooks', {
    config: { auth: admin }, schema: { tags, operationId: 'createWebhook', summary: 'Register an instance webhook (instance admin); the secret is in this answer only', body: NewWebhook, response: { 201: Type.Object({ webhook: WebhookView, secret: Type.String() }), ...errors(400, 401, 403) } },
  }, async (req, reply) => reply.code(201).header('cache-control', 'no-store').send(await n.webhooks.create(caller(req), null, req.body as Static<typeof NewWebhook>)));
  app.get('/webhooks', {
    config: { auth: admin }, schema: { tags, operationId: 'listWebhooks', summary: 'Instance webhooks (instance admin)', querystring: Paging, response: { 200: pageOf(WebhookView), ...errors(401, 403) } },
  }, async (req) => n.webhooks.list(null, page(req.query as object)));
  app.delete('/webhooks/:id', {
    config: { auth: admin }, schema: { tags, operationId: 'deleteWebhook', summary: 'Delete an instance webhook', params: Id, response: { 204: NoContent, ...errors(401, 403, 404) } },
  }, async (req, reply) => {
    await n.webhooks.delete(caller(req), null, (req.params as { id: string }).id);
    return reply.code(204).send();
  });
  app.get('/webhooks/:id/deliveries', {
    config: { auth: admin }, schema: { tags, operationId: 'listWebhookDeliveries', summary: 'Delivery attempts of an instance webhook, newest first', params: Id, querystring: Paging, response: { 200: pageOf(Delivery), ...errors(401, 403, 404) } },
  }, async (req) => deliveries(null, (req.params as { id: string }).id, req.query as object));

  // Org webhooks: events of tokens usable in the org.
  app.post('/orgs/:org/webhooks', {
    config: { auth: { scope: 'orgs:manage' } }, schema: { tags, operationId: 'createOrgWebhook', summary: 'Register an org webhook (org admin); the secret is in this answer only', params: OrgParam, body: NewWebhook, response: { 201: Type.Object({ webhook: WebhookView, secret: Type.String() }), ...errors(400, 401, 403, 404) } },
  }, async (req, reply) => reply.code(201).header('cache-control', 'no-store').send(await n.webhooks.create(caller(req), await orgOf(req), req.body as Static<typeof NewWebhook>)));
  app.get('/orgs/:org/webhooks', {
    config: { auth: { scope: 'orgs:read' } }, schema: { tags, operationId: 'listOrgWebhooks', summary: 'Org webhooks (org admin)', params: OrgParam, querystring: Paging, response: { 200: pageOf(WebhookView), ...errors(401, 403, 404) } },
  }, async (req) => n.webhooks.list(await orgOf(req), page(req.query as object)));
  app.delete('/orgs/:org/webhooks/:id', {
    config: { auth: { scope: 'orgs:manage' } }, schema: { tags, operationId: 'deleteOrgWebhook', summary: 'Delete an org webhook (org admin)', params: OrgId, response: { 204: NoContent, ...errors(401, 403, 404) } },
  }, async (req, reply) => {
    await n.webhooks.delete(caller(req), await orgOf(req), (req.params as { id: string }).id);
    return reply.code(204).send();
  });
  app.get('/orgs/:org/webhooks/:id/deliveries', {
    config: { auth: { scope: 'orgs:read' } }, schema: { tags, operationId: 'listOrgWebhookDeliveries', summary: 'Delivery attempts of an org webhook, newest first (org admin)', params: OrgId, querystring: Paging, response: { 200: pageOf(Delivery), ...errors(401, 403, 404) } },
  }, async (req) => deliveries(await orgOf(req), (req.params as { id: string }).id, req.query as object));

  // The outbox, for instance admins: what is queued, and what failed for good.
  app.get('/admin/outbox', {
    config: { auth: admin }, schema: { tags: ['admin'], operationId: 'listOutbox', summary: 'Queued notifications and webhook deliveries (instance admin)', querystring: OutboxQuery, response: { 200: pageOf(OutboxView), ...errors(400, 401, 403) } },
  }, async (req) => {
    const q = req.query as Static<typeof OutboxQuery>;
    const p = await deps.core.store.r.outbox.list((q.status ?? null) as OutboxStatus | null, page(q));
    return { items: p.items.map(outboxView), nextCursor: p.nextCursor };
  });
  app.post('/admin/outbox/:id/retry', {
    config: { auth: admin }, schema: { tags: ['admin'], operationId: 'retryOutboxMessage', summary: 'Queue a failed message again (instance admin)', params: Id, response: { 202: Type.Object({}, { description: 'Queued again' }), ...errors(401, 403, 404) } },
  }, async (req, reply) => {
    const ok = await deps.core.store.tx((r) => r.outbox.retry((req.params as { id: string }).id, deps.core.clock.now()));
    if (!ok) throw new PatdError('not_found', 'no failed message with this id');
    n.outbox.wake();
    return reply.code(202).send({});
  });

  // Leaked tokens: anyone may report; the answer never says which were real.
  app.post('/token-revocations', {
    config: { auth: 'none' }, schema: { tags: ['tokens'], operationId: 'reportLeakedTokens', summary: 'Report leaked tokens: real ones are revoked and their owners notified (always 202)', body: Revocations, response: { 202: Type.Object({}), ...errors(400, 413, 429, 503) } },
  }, async (req, reply) => {
    await n.leaks.report(req.ip, req.headers['user-agent'] ?? null, (req.body as Static<typeof Revocations>).tokens);
    return reply.code(202).send({});
  });
};

/** Payloads hold no secret (mail facts, signed-later webhook bodies), but admins see only the envelope. */
function outboxView(m: OutboxRow) {
  const p = m.payload as { to?: string[]; webhookId?: string; type?: string; kind?: string };
  return {
    id: m.id, kind: m.kind, status: m.status, attempts: m.attempts, lastError: m.lastError, createdAt: iso(m.createdAt),
    availableAt: iso(m.availableAt), sentAt: iso(m.sentAt), event: p.kind ?? p.type ?? null, to: p.to ?? null, webhookId: p.webhookId ?? null,
  };
}
