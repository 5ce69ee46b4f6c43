import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isPatdError } from '../../core/errors.js';
import type { FieldErrors } from '../components/form.js';
import { leaveConfirmPage, ORG_NOTICES, type OrgNotice, orgPage } from '../pages/org.js';
import { type OrgListData, orgListPage, orgPath } from '../pages/orgs-list.js';
import { seeOther, sendPage } from '../render.js';
import { field, queryParam } from './form.js';
import { type SignedCtx, signedIn, type WebKit } from './kit.js';
import { noticeOf, pageAt } from './paging.js';
import { fieldErrorOf, formStatus, isRefusal } from './refusal.js';

const MEMBERS_PAGE = 50;
const LIST_NOTICES: Record<string, string> = { declined: 'The invitation is declined.', left: 'You left the organization. Your tokens no longer work in it.' };
const ORG_LABELS = { name: 'The name', displayName: 'The display name' };
export const orgOf = (req: FastifyRequest) => String((req.params as { org: string }).org).slice(0, 64);

/** `/orgs` (mine, create one) and `/orgs/{org}` for members (facts, members, leave). The org admin pages add their own routes. */
export function orgRoutes(app: FastifyInstance, k: WebKit): void {
  const opts = { config: { auth: 'none' as const }, schema: { hide: true } };
  const { deps } = k;
  const caller = (req: FastifyRequest, ctx: SignedCtx) => k.sessions.callerOf(req, ctx.viewer.user);

  const list = async (req: FastifyRequest, reply: FastifyReply, ctx: SignedCtx, status: number, o: Pick<OrgListData, 'create' | 'notice'>) => {
    const c = caller(req, ctx);
    const [orgs, pending] = await Promise.all([deps.orgs.listMine(c), deps.invitations?.listMine(c, { limit: 50, cursor: null })]);
    const byName = [...orgs].sort((a, b) => a.displayName.localeCompare(b.displayName));
    return sendPage(reply, status, orgListPage(ctx, { orgs: byName, invitations: pending?.items ?? [], mayCreate: deps.orgs.mayCreate(c), ...o }));
  };

  app.get('/orgs', opts, (req, reply) => signedIn(k, req, reply, { returnTo: '/orgs', title: 'Sign in to see your organizations' }, async (ctx) =>
    list(req, reply, ctx, 200, { notice: noticeOf(LIST_NOTICES, queryParam(req.query, 'done')) })));

  app.post('/orgs', opts, (req, reply) => signedIn(k, req, reply, { returnTo: '/orgs' }, async (ctx) => {
    const name = (field(req.body, 'name') ?? '').trim();
    const displayName = (field(req.body, 'display_name') ?? '').trim();
    const refused = (status: number, errors: FieldErrors) => list(req, reply, ctx, status, { create: { name, displayName, errors } });
    try {
      const org = await deps.orgs.create(caller(req, ctx), { name, ...(displayName ? { displayName } : {}) });
      return seeOther(reply, `${orgPath(org.name)}?done=created`);
    } catch (e) {
      if (!isRefusal(e)) throw e;
      return refused(formStatus(e), fieldErrorOf(e, ORG_LABELS, 'name'));
    }
  }));

  const overview = async (req: FastifyRequest, reply: FastifyReply, ctx: SignedCtx, status: number, leaveError?: string) => {
    const a = await deps.orgs.access(caller(req, ctx), orgOf(req));
    const cursor = queryParam(req.query, 'cursor') || null;
    const members = await pageAt(cursor, (c) => deps.orgs.members(a, { limit: MEMBERS_PAGE, cursor: c }));
    const n = queryParam(req.query, 'done');
    return sendPage(reply, status, orgPage(ctx, {
      org: deps.orgs.view(a), members: members.items, paged: !!cursor, nextCursor: members.nextCursor, leaveError,
      notice: noticeOf(ORG_NOTICES, n) ? (n as OrgNotice) : undefined,
    }));
  };

  app.get('/orgs/:org', opts, (req, reply) => signedIn(k, req, reply, { returnTo: req.url, title: 'Sign in to see the organization' }, (ctx) => overview(req, reply, ctx, 200)));

  app.get('/orgs/:org/leave', opts, (req, reply) => signedIn(k, req, reply, { returnTo: req.url }, async (ctx) => {
    const a = await deps.orgs.access(caller(req, ctx), orgOf(req));
    if (!a.role) return seeOther(reply, orgPath(a.org.name));
    return sendPage(reply, 200, leaveConfirmPage(ctx, deps.orgs.view(a)));
  }));

  app.post('/orgs/:org/leave', opts, (req, reply) => signedIn(k, req, reply, { returnTo: orgPath(orgOf(req)) }, async (ctx) => {
    const c = caller(req, ctx);
    const a = await deps.orgs.access(c, orgOf(req));
    try {
      await deps.orgs.removeMember(c, a, ctx.viewer.user.username);
      return seeOther(reply, '/orgs?done=left');
    } catch (e) {
      // The last owner stays (409 last_owner): the org page says why, at the Leave action.
      if (!isPatdError(e) || (e.code !== 'last_owner' && e.code !== 'conflict')) throw e;
      return overview(req, reply, ctx, e.status, `You cannot leave: ${e.message}.`);
    }
  }));
}
