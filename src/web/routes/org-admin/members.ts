import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Role } from '../../../core/model.js';
import { instanceAdminPowers } from '../../../core/orgs/actor.js';
import { confirmPage } from '../../pages/org-admin/confirm.js';
import { MEMBER_NOTICES, type MembersData, membersPage, membersPath, removeConfirmation } from '../../pages/org-admin/members.js';
import { seeOther, sendPage } from '../../render.js';
import { field } from '../form.js';
import type { WebKit } from '../kit.js';
import { isRefusal } from '../refusal.js';
import { pageAt } from '../paging.js';
import { cursorOf, type OrgCtx, noticeKey, orgAdmin, param, routeOpts, sentence } from './kit.js';

const PAGE_SIZE = 100;

/** `/orgs/{org}/members`: change a role (PUT …/members/{username} in the API), remove a member (DELETE …). */
export function memberRoutes(app: FastifyInstance, k: WebKit): void {
  const { deps } = k;

  const show = async (reply: FastifyReply, c: OrgCtx, status: number, o: Partial<MembersData> & { cursor?: string | null } = {}) => {
    const page = await pageAt(o.cursor ?? null, (cursor) => deps.orgs.members(c.a, { limit: PAGE_SIZE, cursor }));
    const sas = deps.serviceAccounts ? await deps.serviceAccounts.list(c.caller, c.a) : [];
    return sendPage(reply, status, membersPage(c, {
      org: c.org, members: page.items, serviceAccounts: new Set(sas.map((s) => s.username)),
      actsAsOwner: c.a.role === 'owner' || instanceAdminPowers(c.caller), nextCursor: page.nextCursor, paged: !!o.cursor, ...o,
    }));
  };

  app.get('/orgs/:org/members', routeOpts, (req, reply) => orgAdmin(k, req, reply, (c) =>
    show(reply, c, 200, { cursor: cursorOf(req), notice: noticeKey(req, MEMBER_NOTICES) })));

  app.post('/orgs/:org/members/:username/role', routeOpts, (req, reply) => orgAdmin(k, req, reply, async (c) => {
    const username = param(req, 'username');
    const role = (field(req.body, 'role') ?? '').slice(0, 20) as Role;
    try {
      await deps.orgs.putMember(c.caller, c.a, username, role);
      return seeOther(reply, `${membersPath(c.org.name)}?done=role`);
    } catch (e) {
      // The last owner stays (409 last_owner), only owners grant owner (403): said at that member's role.
      if (!isRefusal(e)) throw e;
      return show(reply, c, e.status, { errors: { [username]: sentence(e.message, username) }, asked: { username, role } });
    }
  }, { back: membersPath(param(req, 'org')) }));

  app.get('/orgs/:org/members/:username/remove', routeOpts, (req, reply) => orgAdmin(k, req, reply, async (c) => {
    const username = (await deps.orgs.member(c.a, param(req, 'username'))).username;
    return sendPage(reply, 200, confirmPage(c, c.org, { section: 'Members', title: `Remove ${username}?`, c: removeConfirmation(c.org.name, username) }));
  }));

  app.post('/orgs/:org/members/:username/remove', routeOpts, (req, reply) => orgAdmin(k, req, reply, async (c) => {
    const username = param(req, 'username');
    try {
      await deps.orgs.removeMember(c.caller, c.a, username);
      return seeOther(reply, `${membersPath(c.org.name)}?done=removed`);
    } catch (e) {
      if (!isRefusal(e)) throw e;
      return show(reply, c, e.status, { errors: { [username]: sentence(e.message, username) } });
    }
  }, { back: membersPath(param(req, 'org')) }));
}
