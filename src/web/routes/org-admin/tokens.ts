import type { FastifyInstance } from 'fastify';
import { isPatdError } from '../../../core/errors.js';
import type { TokenView } from '../../../core/tokens/view.js';
import { confirmPage } from '../../pages/org-admin/confirm.js';
import { type Owner, orgTokensPage, orgTokensPath, revokeOrgToken } from '../../pages/org-admin/tokens.js';
import { STATUS_FILTERS, type StatusFilter } from '../../pages/tokens-list.js';
import { seeOther, sendPage } from '../../render.js';
import { queryParam } from '../form.js';
import type { WebKit } from '../kit.js';
import { pageAt } from '../paging.js';
import { cursorOf, orgAdmin, param, routeOpts } from './kit.js';

const PAGE_SIZE = 25;

/** `/orgs/{org}/tokens`: GET and DELETE /api/v1/orgs/{org}/tokens… as pages (TokenService.listForOrg, revokeInOrg). */
export function orgTokenRoutes(app: FastifyInstance, k: WebKit): void {
  const { deps } = k;

  /** The owners' usernames for a page of tokens (at most PAGE_SIZE lookups). */
  const ownersOf = async (tokens: TokenView[]): Promise<Map<string, Owner>> => {
    const out = new Map<string, Owner>();
    for (const id of new Set(tokens.map((t) => t.userId))) {
      const u = await deps.accounts.byId(id).catch((e) => {
        if (isPatdError(e) && e.code === 'not_found') return null;
        throw e;
      });
      if (u) out.set(id, { username: u.username, serviceAccount: u.serviceOrgId !== null });
    }
    return out;
  };

  app.get('/orgs/:org/tokens', routeOpts, (req, reply) => orgAdmin(k, req, reply, async (c) => {
    const s = queryParam(req.query, 'status');
    const status: StatusFilter = STATUS_FILTERS.includes(s as StatusFilter) ? (s as StatusFilter) : 'active';
    const user = (queryParam(req.query, 'user', 64) ?? '').trim().toLowerCase();
    let userId: string | undefined;
    let userError: string | undefined;
    if (user) {
      try {
        userId = (await deps.accounts.byUsername(user)).id;
      } catch (e) {
        if (!isPatdError(e) || e.code !== 'not_found') throw e;
        userError = `There is no user “${user}”.`;
      }
    }
    const cursor = cursorOf(req);
    const page = userError ? { items: [], nextCursor: null }
      : await pageAt(cursor, (x) => deps.tokens.listForOrg(c.a, { status, userId }, { limit: PAGE_SIZE, cursor: x }));
    return sendPage(reply, 200, orgTokensPage(c, {
      org: c.org, tokens: page.items, owners: await ownersOf(page.items), status, user, userError,
      nextCursor: page.nextCursor, paged: !!cursor, leadDays: k.leadDays, revoked: queryParam(req.query, 'done') === 'revoked',
    }));
  }));

  app.get('/orgs/:org/tokens/:id/revoke', routeOpts, (req, reply) => orgAdmin(k, req, reply, async (c) => {
    const t = await deps.tokens.getInOrg(c.a, param(req, 'id'));
    if (t.status === 'revoked') return seeOther(reply, orgTokensPath(c.org.name));
    const owner = (await ownersOf([t])).get(t.userId);
    return sendPage(reply, 200, confirmPage(c, c.org, { section: 'Tokens', title: `Revoke ${t.name}?`, c: revokeOrgToken(c.org.name, t, owner) }));
  }));

  app.post('/orgs/:org/tokens/:id/revoke', routeOpts, (req, reply) => orgAdmin(k, req, reply, async (c) => {
    await deps.tokens.revokeInOrg(c.caller, c.a, param(req, 'id'));
    return seeOther(reply, `${orgTokensPath(c.org.name)}?done=revoked`);
  }, { back: orgTokensPath(param(req, 'org')) }));
}
