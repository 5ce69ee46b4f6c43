import type { FastifyInstance, FastifyReply } from 'fastify';
import { isPatdError } from '../../../core/errors.js';
import { actingIn, instanceAdminPowers } from '../../../core/orgs/actor.js';
import type { InvitationService } from '../../../core/orgs/invitations.js';
import type { FieldErrors } from '../../components/form.js';
import { INVITATION_NOTICES, type InviteValues, invitationsPage, invitationsPath } from '../../pages/org-admin/invitations.js';
import { seeOther, sendPage } from '../../render.js';
import { field } from '../form.js';
import type { WebKit } from '../kit.js';
import { pageAt } from '../paging.js';
import { cursorOf, type OrgCtx, noticeKey, orgAdmin, param, routeOpts, sentence } from './kit.js';

const PAGE_SIZE = 50;

/** `/orgs/{org}/invitations`: invite (POST …/invitations in the API), the pending list, withdraw (DELETE …/invitations/{id}). */
export function invitationRoutes(app: FastifyInstance, k: WebKit, invitations: InvitationService): void {
  const show = async (reply: FastifyReply, c: OrgCtx, status: number, o: { values?: InviteValues; errors?: FieldErrors; cursor?: string | null; notice?: keyof typeof INVITATION_NOTICES } = {}) => {
    const page = await pageAt(o.cursor ?? null, (cursor) => invitations.listForOrg(actingIn(c.caller, c.a), { limit: PAGE_SIZE, cursor }));
    return sendPage(reply, status, invitationsPage(c, {
      org: c.org, pending: page.items, actsAsOwner: c.a.role === 'owner' || instanceAdminPowers(c.caller),
      values: o.values ?? { username: '', role: 'member' }, errors: o.errors ?? {}, nextCursor: page.nextCursor, paged: !!o.cursor, notice: o.notice,
    }));
  };

  app.get('/orgs/:org/invitations', routeOpts, (req, reply) => orgAdmin(k, req, reply, (c) =>
    show(reply, c, 200, { cursor: cursorOf(req), notice: noticeKey(req, INVITATION_NOTICES) })));

  app.post('/orgs/:org/invitations', routeOpts, (req, reply) => orgAdmin(k, req, reply, async (c) => {
    const values = { username: (field(req.body, 'username') ?? '').trim().slice(0, 100), role: (field(req.body, 'role') ?? '').slice(0, 20) };
    try {
      await invitations.invite(actingIn(c.caller, c.a), values);
      return seeOther(reply, `${invitationsPath(c.org.name)}?done=invited`);
    } catch (e) {
      if (!isPatdError(e) || e.status >= 500) throw e;
      // "no user x" is about the username field here, not a missing page.
      const f = e.code === 'not_found' ? 'username' : e.extras.field === 'role' ? 'role' : e.extras.field === 'username' ? 'username' : 'form';
      return show(reply, c, e.status, { values, errors: { [f]: sentence(e.message, values.username) } });
    }
  }, { back: invitationsPath(param(req, 'org')) }));

  app.post('/orgs/:org/invitations/:id/withdraw', routeOpts, (req, reply) => orgAdmin(k, req, reply, async (c) => {
    await invitations.withdraw(actingIn(c.caller, c.a), param(req, 'id'));
    return seeOther(reply, `${invitationsPath(c.org.name)}?done=withdrawn`);
  }, { back: invitationsPath(param(req, 'org')) }));
}
