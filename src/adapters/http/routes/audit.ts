import { type Static, Type } from '@sinclair/typebox';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { auditCsvHeader, auditCsvRow } from '../../../core/audit/csv.js';
import type { AuditEventView, AuditService } from '../../../core/audit/query.js';
import type { Page } from '../../../core/model.js';
import { caller } from '../auth.js';
import type { AppDeps, HttpExtension } from '../deps.js';
import { errors, PageQuery, pageOf, parseLimit } from '../schemas.js';

const AuditQuery = Type.Object({
  action: Type.Optional(Type.String({ maxLength: 64, description: 'exact action, or a prefix such as token.*' })),
  actor: Type.Optional(Type.String({ maxLength: 100, description: 'actor name or id' })),
  since: Type.Optional(Type.String({ maxLength: 40, description: 'ISO 8601, inclusive' })),
  until: Type.Optional(Type.String({ maxLength: 40, description: 'ISO 8601, exclusive' })),
  format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('jsonl'), Type.Literal('csv')])),
  ...PageQuery,
}, { additionalProperties: false });
type Q = Static<typeof AuditQuery>;
const OrgParam = Type.Object({ org: Type.String({ maxLength: 64 }) });
const Nullable = Type.Union([Type.String(), Type.Null()]);
const AuditEvent = Type.Object({
  id: Type.String(), at: Type.String({ format: 'date-time' }), action: Type.String(),
  actor: Type.Object({ type: Type.String(), id: Nullable, name: Nullable }),
  target: Type.Union([Type.Object({ type: Type.String(), id: Nullable }), Type.Null()]),
  subjectUserId: Nullable, orgs: Type.Array(Type.String()), ip: Nullable, userAgent: Nullable,
  details: Type.Object({}, { additionalProperties: true }),
});
/** The JSON page is serialized by its schema; JSON lines and CSV are written as text. */
const AuditAnswer = {
  description: 'Newest first: a JSON page, or (format=jsonl, csv) one event per line with the next cursor in X-Next-Cursor',
  headers: { 'X-Next-Cursor': { type: 'string', description: 'JSON lines and CSV: the cursor of the next page' } },
  content: {
    'application/json': { schema: pageOf(AuditEvent) },
    'application/x-ndjson': { schema: Type.String() },
    'text/csv': { schema: Type.String() },
  },
};

/** GET /orgs/{org}/audit and GET /me/audit: newest first, cursor paging, JSON, JSON lines or CSV. */
export const auditRoutes = (audit: AuditService): HttpExtension => async (app, deps) => {
  await app.register(plugin(audit, deps), { prefix: '/api/v1' });
};

const plugin = (audit: AuditService, deps: AppDeps): FastifyPluginAsync => async (app) => {
  const tags = ['audit'];
  const filters = (q: Q) => ({ action: q.action, actor: q.actor, since: q.since, until: q.until });
  const page = (q: Q) => ({ limit: parseLimit(q.limit), cursor: q.cursor ?? null });

  app.get('/orgs/:org/audit', {
    config: { auth: { scope: 'audit:read' } },
    schema: { tags, operationId: 'listOrgAuditEvents', summary: "The org's audit events (org admin)", params: OrgParam, querystring: AuditQuery, response: { 200: AuditAnswer, ...errors(400, 401, 403, 404) } },
  }, async (req, reply) => {
    const a = await deps.orgs.access(caller(req), (req.params as { org: string }).org, 'admin');
    const q = req.query as Q;
    return send(reply, q.format, await audit.forOrg(a, filters(q), page(q)));
  });
  app.get('/me/audit', {
    config: { auth: { scope: 'audit:read' } },
    schema: { tags, operationId: 'listMyAuditEvents', summary: 'Events about your own account', querystring: AuditQuery, response: { 200: AuditAnswer, ...errors(400, 401, 403) } },
  }, async (req, reply) => {
    const q = req.query as Q;
    return send(reply, q.format, await audit.forUser(caller(req).user.id, filters(q), page(q)));
  });
};

/** JSON: {items, nextCursor}. JSON lines and CSV: the next cursor is in the X-Next-Cursor header. */
function send(reply: FastifyReply, format: Q['format'], p: Page<AuditEventView>) {
  if (!format || format === 'json') return p;
  if (p.nextCursor) reply.header('x-next-cursor', p.nextCursor);
  if (format === 'jsonl') return reply.type('application/x-ndjson; charset=utf-8').send(p.items.map((e) => `${JSON.stringify(e)}\n`).join(''));
  return reply.type('text/csv; charset=utf-8').send(auditCsvHeader() + p.items.map(auditCsvRow).join(''));
}
