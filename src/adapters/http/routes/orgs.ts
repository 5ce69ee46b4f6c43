import { type Static, Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { Role, TokenStatus } from '../../../core/model.js';
import { memberView } from '../../../core/orgs/service.js';
import { caller } from '../auth.js';
import type { AppDeps } from '../deps.js';
import { errors, NoContent, PageQuery, pageOf, parseLimit, TokenView } from '../schemas.js';

const OrgView = Type.Object({ id: Type.String(), name: Type.String(), displayName: Type.String(), role: Type.Union([Type.String(), Type.Null()]), createdAt: Type.String() });
const NewOrg = Type.Object({ name: Type.String({ maxLength: 100 }), displayName: Type.Optional(Type.String({ maxLength: 120 })) }, { additionalProperties: false });
const OrgParam = Type.Object({ org: Type.String({ maxLength: 64 }) });
const MemberParam = Type.Object({ org: Type.String({ maxLength: 64 }), username: Type.String({ maxLength: 64 }) });
const TokenParam = Type.Object({ org: Type.String({ maxLength: 64 }), id: Type.String({ maxLength: 64 }) });
const Member = Type.Object({ userId: Type.String(), username: Type.String(), role: Type.String(), since: Type.String() });
const PutMember = Type.Object({ role: Type.Union([Type.Literal('owner'), Type.Literal('admin'), Type.Literal('member')]) }, { additionalProperties: false });
const PolicyBody = Type.Object({
  maxLifetimeDays: Type.Optional(Type.Union([Type.Integer({ minimum: 1 }), Type.Null()])),
  allowGlobalTokens: Type.Optional(Type.Boolean()),
  allowFullAccess: Type.Optional(Type.Boolean()),
  ipAllowlist: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 200 })),
  revokeUnusedDays: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: 3650 }), Type.Null()])),
  autoRevokeLeaked: Type.Optional(Type.Boolean()),
}, { additionalProperties: false });
const Policy = Type.Object({
  maxLifetimeDays: Type.Union([Type.Integer(), Type.Null()]), allowGlobalTokens: Type.Boolean(), allowFullAccess: Type.Boolean(),
  ipAllowlist: Type.Array(Type.String()), revokeUnusedDays: Type.Union([Type.Integer(), Type.Null()]), autoRevokeLeaked: Type.Boolean(),
});
const OrgTokensQuery = Type.Object({
  user: Type.Optional(Type.String({ maxLength: 64 })),
  status: Type.Optional(Type.Union(['active', 'expired', 'revoked', 'all'].map((s) => Type.Literal(s)))),
  ...PageQuery,
}, { additionalProperties: false });

export const orgRoutes = (deps: AppDeps): FastifyPluginAsync => async (app) => {
  const tags = ['orgs'];
  const read = { scope: 'orgs:read' };
  const manage = { scope: 'orgs:manage' };
  const org = (req: { params: unknown }) => (req.params as { org: string }).org;

  app.post('/orgs', {
    config: { auth: manage }, schema: { tags, operationId: 'createOrg', summary: 'Create an org; you become its owner (PATD_ORG_CREATION=admins: instance admins only)', body: NewOrg, response: { 201: OrgView, ...errors(400, 401, 403, 409) } },
  }, async (req, reply) => reply.code(201).send(await deps.orgs.create(caller(req), req.body as Static<typeof NewOrg>)));
  app.get('/orgs', {
    config: { auth: read }, schema: { tags, operationId: 'listOrgs', summary: 'Orgs you belong to', response: { 200: Type.Object({ items: Type.Array(OrgView), nextCursor: Type.Null() }), ...errors(401, 403) } },
  }, async (req) => ({ items: await deps.orgs.listMine(caller(req)), nextCursor: null }));
  app.get('/orgs/:org', {
    config: { auth: read }, schema: { tags, operationId: 'getOrg', summary: 'One org', params: OrgParam, response: { 200: OrgView, ...errors(401, 403, 404) } },
  }, async (req) => deps.orgs.view(await deps.orgs.access(caller(req), org(req))));
  app.get('/orgs/:org/members', {
    config: { auth: read }, schema: { tags, operationId: 'listOrgMembers', summary: 'Members and roles (any member)', params: OrgParam, querystring: Type.Object(PageQuery, { additionalProperties: false }), response: { 200: pageOf(Member), ...errors(401, 403, 404) } },
  }, async (req) => {
    const a = await deps.orgs.access(caller(req), org(req));
    const q = req.query as { limit?: string; cursor?: string };
    const page = await deps.orgs.members(a, { limit: parseLimit(q.limit), cursor: q.cursor ?? null });
    return { items: page.items.map(memberView), nextCursor: page.nextCursor };
  });
  app.put('/orgs/:org/members/:username', {
    config: { auth: manage }, schema: { tags, operationId: 'setOrgMemberRole', summary: "Change a member's role (org admin; only owners grant or take away owner). A non-member must be invited: only an instance admin adds directly", params: MemberParam, body: PutMember, response: { 200: Member, ...errors(400, 401, 403, 404, 409) } },
  }, async (req) => {
    const p = req.params as Static<typeof MemberParam>;
    const a = await deps.orgs.access(caller(req), p.org, 'admin');
    return memberView(await deps.orgs.putMember(caller(req), a, p.username, (req.body as { role: Role }).role));
  });
  app.delete('/orgs/:org/members/:username', {
    config: { auth: manage }, schema: { tags, operationId: 'removeOrgMember', summary: "Remove a member (org admin), or leave (yourself); their tokens stop working in the org at once. The last owner stays", params: MemberParam, response: { 204: NoContent, ...errors(401, 403, 404, 409) } },
  }, async (req, reply) => {
    const p = req.params as Static<typeof MemberParam>;
    await deps.orgs.removeMember(caller(req), await deps.orgs.access(caller(req), p.org), p.username);
    return reply.code(204).send();
  });
  app.get('/orgs/:org/policy', {
    config: { auth: read }, schema: { tags, operationId: 'getOrgPolicy', summary: 'The org policy (org admin)', params: OrgParam, response: { 200: Policy, ...errors(401, 403, 404) } },
  }, async (req) => deps.orgs.getPolicy(await deps.orgs.access(caller(req), org(req), 'admin')));
  app.put('/orgs/:org/policy', {
    config: { auth: manage }, schema: { tags, operationId: 'setOrgPolicy', summary: 'Set the org policy (org admin); fields left out keep their value', params: OrgParam, body: PolicyBody, response: { 200: Policy, ...errors(400, 401, 403, 404) } },
  }, async (req) => {
    const a = await deps.orgs.access(caller(req), org(req), 'admin');
    return deps.orgs.putPolicy(caller(req), a, req.body as Static<typeof PolicyBody>);
  });
  app.get('/orgs/:org/tokens', {
    config: { auth: read }, schema: { tags, operationId: 'listOrgTokens', summary: 'Every token usable in the org, metadata only (org admin)', params: OrgParam, querystring: OrgTokensQuery, response: { 200: pageOf(TokenView), ...errors(400, 401, 403, 404) } },
  }, async (req) => {
    const a = await deps.orgs.access(caller(req), org(req), 'admin');
    const q = req.query as Static<typeof OrgTokensQuery>;
    const userId = q.user ? (await deps.accounts.byUsername(q.user)).id : undefined;
    return deps.tokens.listForOrg(a, { status: (q.status ?? 'active') as TokenStatus | 'all', userId }, { limit: parseLimit(q.limit), cursor: q.cursor ?? null });
  });
  app.delete('/orgs/:org/tokens/:id', {
    config: { auth: manage }, schema: { tags, operationId: 'revokeOrgToken', summary: "Revoke a member's token (org admin)", params: TokenParam, response: { 204: NoContent, ...errors(401, 403, 404) } },
  }, async (req, reply) => {
    const p = req.params as Static<typeof TokenParam>;
    const a = await deps.orgs.access(caller(req), p.org, 'admin');
    await deps.tokens.revokeInOrg(caller(req), a, p.id);
    return reply.code(204).send();
  });
};
