import { type Static, Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { actingIn } from '../../../core/orgs/actor.js';
import type { InvitationService } from '../../../core/orgs/invitations.js';
import { caller } from '../auth.js';
import type { AppDeps, HttpExtension } from '../deps.js';
import { errors, NoContent, PageQuery, pageOf, parseLimit } from '../schemas.js';

const Role = Type.Union([Type.Literal('owner'), Type.Literal('admin'), Type.Literal('member')]);
const Invitation = Type.Object({
  id: Type.String(), org: Type.String(), orgDisplayName: Type.String(), username: Type.String(), role: Type.String(), invitedBy: Type.String(),
  status: Type.String(), createdAt: Type.String({ format: 'date-time' }), expiresAt: Type.String({ format: 'date-time' }),
});
const Answered = Type.Object({ ...Invitation.properties, membershipRole: Type.Union([Type.String(), Type.Null()]) });
const NewInvitation = Type.Object({ username: Type.String({ maxLength: 64 }), role: Role }, { additionalProperties: false });
const Answer = Type.Object({ action: Type.Union([Type.Literal('accept'), Type.Literal('decline')]) }, { additionalProperties: false });
const OrgParam = Type.Object({ org: Type.String({ maxLength: 64 }) });
const OrgInvitationParam = Type.Object({ org: Type.String({ maxLength: 64 }), id: Type.String({ maxLength: 64 }) });
const IdParam = Type.Object({ id: Type.String({ maxLength: 64 }) });
const ListQuery = Type.Object(PageQuery, { additionalProperties: false });
const page = (q: Static<typeof ListQuery>) => ({ limit: parseLimit(q.limit), cursor: q.cursor ?? null });

/** Membership by consent: an org admin invites, the person accepts or declines (docs/orgs.md). */
export const invitationRoutes = (invitations: InvitationService): HttpExtension => async (app, deps) => {
  await app.register(plugin(deps, invitations), { prefix: '/api/v1' });
};

const plugin = (deps: AppDeps, inv: InvitationService): FastifyPluginAsync => async (app) => {
  const tags = ['orgs'];
  const actor = async (req: { params: unknown }, c = caller(req as never)) => actingIn(c, await deps.orgs.access(c, (req.params as { org: string }).org, 'admin'));

  app.post('/orgs/:org/invitations', {
    config: { auth: { scope: 'orgs:manage' } },
    schema: { tags, operationId: 'createInvitation', summary: 'Invite a user (org admin; only owners invite as owner); the invitee is mailed and has 7 days to accept', params: OrgParam, body: NewInvitation, response: { 201: Invitation, ...errors(400, 401, 403, 404, 409) } },
  }, async (req, reply) => reply.code(201).send(await inv.invite(await actor(req), req.body as Static<typeof NewInvitation>)));
  app.get('/orgs/:org/invitations', {
    config: { auth: { scope: 'orgs:read' } },
    schema: { tags, operationId: 'listOrgInvitations', summary: 'Pending invitations of the org (org admin)', params: OrgParam, querystring: ListQuery, response: { 200: pageOf(Invitation), ...errors(400, 401, 403, 404) } },
  }, async (req) => inv.listForOrg(await actor(req), page(req.query as Static<typeof ListQuery>)));
  app.delete('/orgs/:org/invitations/:id', {
    config: { auth: { scope: 'orgs:manage' } },
    schema: { tags, operationId: 'withdrawInvitation', summary: 'Withdraw a pending invitation (org admin)', params: OrgInvitationParam, response: { 204: NoContent, ...errors(401, 403, 404) } },
  }, async (req, reply) => {
    await inv.withdraw(await actor(req), (req.params as Static<typeof OrgInvitationParam>).id);
    return reply.code(204).send();
  });

  app.get('/me/invitations', {
    config: { auth: { scope: 'orgs:read' } },
    schema: { tags: ['me'], operationId: 'listMyInvitations', summary: 'Your pending invitations', querystring: ListQuery, response: { 200: pageOf(Invitation), ...errors(400, 401, 403) } },
  }, async (req) => inv.listMine(caller(req), page(req.query as Static<typeof ListQuery>)));
  app.post('/me/invitations/:id', {
    config: { auth: { scope: 'orgs:manage' } },
    schema: { tags: ['me'], operationId: 'answerInvitation', summary: 'Accept (you become a member with the invited role) or decline an invitation', params: IdParam, body: Answer, response: { 200: Answered, ...errors(400, 401, 403, 404, 409) } },
  }, async (req) => inv.respond(caller(req), (req.params as Static<typeof IdParam>).id, (req.body as Static<typeof Answer>).action));
};
