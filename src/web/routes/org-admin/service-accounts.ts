import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ServiceAccountService } from '../../../core/orgs/service-accounts.js';
import type { FieldErrors } from '../../components/form.js';
import { confirmPage } from '../../pages/org-admin/confirm.js';
import { deleteServiceAccount, SERVICE_ACCOUNT_NOTICES, serviceAccountPage } from '../../pages/org-admin/service-account.js';
import { type NewAccountValues, SERVICE_ACCOUNTS_NOTICES, serviceAccountPath, serviceAccountsPage, serviceAccountsPath } from '../../pages/org-admin/service-accounts.js';
import { seeOther, sendPage } from '../../render.js';
import { field } from '../form.js';
import type { WebKit } from '../kit.js';
import { isRefusal } from '../refusal.js';
import { pageAt } from '../paging.js';
import { cursorOf, type OrgCtx, noticeKey, orgAdmin, param, routeOpts, sentence } from './kit.js';

const PAGE_SIZE = 25;

/** `/orgs/{org}/service-accounts` (list, create) and `/orgs/{org}/service-accounts/{username}` (its tokens, delete). */
export function serviceAccountRoutes(app: FastifyInstance, k: WebKit, sa: ServiceAccountService): void {
  const list = async (reply: FastifyReply, c: OrgCtx, status: number, o: { values?: NewAccountValues; errors?: FieldErrors; notice?: keyof typeof SERVICE_ACCOUNTS_NOTICES } = {}) =>
    sendPage(reply, status, serviceAccountsPage(c, {
      org: c.org, accounts: await sa.list(c.caller, c.a), values: o.values ?? { username: '', displayName: '' }, errors: o.errors ?? {}, notice: o.notice,
    }));

  app.get('/orgs/:org/service-accounts', routeOpts, (req, reply) => orgAdmin(k, req, reply, (c) =>
    list(reply, c, 200, { notice: noticeKey(req, SERVICE_ACCOUNTS_NOTICES) })));

  app.post('/orgs/:org/service-accounts', routeOpts, (req, reply) => orgAdmin(k, req, reply, async (c) => {
    const values = { username: (field(req.body, 'username') ?? '').trim().slice(0, 100), displayName: (field(req.body, 'display_name') ?? '').slice(0, 500) };
    try {
      const made = await sa.create(c.caller, c.a, { username: values.username, displayName: values.displayName.trim() ? values.displayName : undefined });
      return seeOther(reply, `${serviceAccountPath(c.org.name, made.username)}?done=created`);
    } catch (e) {
      if (!isRefusal(e)) throw e;
      const f = e.extras.field === 'displayName' ? 'displayName' : e.extras.field === 'username' ? 'username' : 'form';
      return list(reply, c, e.status, { values, errors: { [f]: sentence(e.message.replace(/^displayName\b/, 'the display name')) } });
    }
  }, { back: serviceAccountsPath(param(req, 'org')) }));

  app.get('/orgs/:org/service-accounts/:username', routeOpts, (req, reply) => orgAdmin(k, req, reply, async (c) => {
    const account = await sa.get(c.caller, c.a, param(req, 'username'));
    const cursor = cursorOf(req);
    const page = await pageAt(cursor, (x) => sa.listTokens(c.caller, c.a, account.username, 'all', { limit: PAGE_SIZE, cursor: x }));
    return sendPage(reply, 200, serviceAccountPage(c, {
      org: c.org, account, tokens: page.items, leadDays: k.leadDays, nextCursor: page.nextCursor, paged: !!cursor, notice: noticeKey(req, SERVICE_ACCOUNT_NOTICES),
    }));
  }, { title: 'Sign in to manage the service account' }));

  app.get('/orgs/:org/service-accounts/:username/delete', routeOpts, (req, reply) => orgAdmin(k, req, reply, async (c) => {
    const account = await sa.get(c.caller, c.a, param(req, 'username'));
    return sendPage(reply, 200, confirmPage(c, c.org, {
      section: 'Service accounts', crumbs: [{ href: serviceAccountPath(c.org.name, account.username), label: account.username }],
      title: `Delete ${account.username}?`, c: deleteServiceAccount(c.org.name, account),
    }));
  }));

  app.post('/orgs/:org/service-accounts/:username/delete', routeOpts, (req, reply) => orgAdmin(k, req, reply, async (c) => {
    await sa.delete(c.caller, c.a, param(req, 'username'));
    return seeOther(reply, `${serviceAccountsPath(c.org.name)}?done=deleted`);
  }, { back: serviceAccountsPath(param(req, 'org')) }));
}
