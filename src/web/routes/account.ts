import type { FastifyInstance, FastifyReply } from 'fastify';
import { clearSessionCookie } from '../../adapters/http/auth.js';
import { isPatdError } from '../../core/errors.js';
import type { FieldErrors } from '../components/form.js';
import { ACCOUNT_NOTICES, type AccountData, type AccountNotice, accountPage } from '../pages/account.js';
import { errorPage, notFoundPage } from '../pages/errors.js';
import { securityLogPage } from '../pages/security-log.js';
import { seeOther, sendPage } from '../render.js';
import { field, queryParam } from './form.js';
import { type SignedCtx, signedIn, type WebKit } from './kit.js';
import { noticeOf, pageAt } from './paging.js';
import { fieldErrorOf, formStatus, isRefusal } from './refusal.js';

const LOG_PAGE = 25;
const RECENT = 5;
const PROFILE_LABELS = { displayName: 'The display name', email: 'The email', currentPassword: 'The current password' };
const PASSWORD_LABELS = { currentPassword: 'The current password', password: 'The new password' };
/** Where an answered invitation may send the browser back to. */
const INVITATION_PAGES = ['/account', '/tokens', '/orgs'];

/** `/account` (profile, password, sessions, invitations, security log) and its forms; every action is the API's use case. */
export function accountRoutes(app: FastifyInstance, k: WebKit): void {
  const opts = { config: { auth: 'none' as const }, schema: { hide: true } };
  const { deps } = k;
  const sessions = deps.sessions;
  const invitations = deps.invitations;
  if (!sessions || !invitations || !k.audit) throw new Error('the account pages need the session, invitation and audit services');
  const audit = k.audit;

  const show = async (reply: FastifyReply, ctx: SignedCtx, status: number, o: Pick<AccountData, 'notice' | 'profile' | 'password'>) => {
    const caller = { user: ctx.viewer.user, token: null, ip: null, userAgent: null };
    const [list, pending, log] = await Promise.all([
      sessions.list(caller, ctx.signed.session.id),
      invitations.listMine(caller, { limit: 50, cursor: null }),
      audit.forUser(ctx.viewer.user.id, {}, { limit: RECENT, cursor: null }),
    ]);
    return sendPage(reply, status, accountPage(ctx, { sessions: list, invitations: pending.items, recent: log.items, ...o }));
  };

  app.get('/account', opts, (req, reply) => signedIn(k, req, reply, { returnTo: '/account', title: 'Sign in to see your account' }, async (ctx) => {
    const n = queryParam(req.query, 'done');
    return show(reply, ctx, 200, { notice: noticeOf(ACCOUNT_NOTICES, n) ? (n as AccountNotice) : undefined });
  }));

  app.post('/account/profile', opts, (req, reply) => signedIn(k, req, reply, { returnTo: '/account' }, async (ctx) => {
    const u = ctx.viewer.user;
    const displayName = (field(req.body, 'display_name') ?? '').trim();
    const email = (field(req.body, 'email') ?? '').trim();
    const currentPassword = field(req.body, 'current_password') || undefined;
    const refused = (status: number, errors: FieldErrors) => show(reply, ctx, status, { profile: { displayName, email, errors } });
    try {
      await deps.accounts.updateMe(k.sessions.callerOf(req, u), {
        ...(displayName !== u.displayName ? { displayName } : {}), ...(email !== u.email ? { email, currentPassword } : {}),
      }, ctx.signed.session.id);
      return seeOther(reply, '/account?done=profile');
    } catch (e) {
      if (!isRefusal(e)) throw e;
      return refused(formStatus(e), fieldErrorOf(e, PROFILE_LABELS, 'displayName'));
    }
  }));

  app.post('/account/password', opts, (req, reply) => signedIn(k, req, reply, { returnTo: '/account' }, async (ctx) => {
    const currentPassword = field(req.body, 'current_password') ?? '';
    const password = field(req.body, 'new_password') ?? '';
    const refused = (status: number, errors: FieldErrors) => show(reply, ctx, status, { password: { errors } });
    // Typing the new password twice is the form's own check; the rules for passwords are the use case's.
    if (password !== (field(req.body, 'confirm_password') ?? '')) return refused(400, { confirm: 'The two new passwords differ. Type the same password twice.' });
    try {
      await deps.accounts.updateMe(k.sessions.callerOf(req, ctx.viewer.user), { password, currentPassword }, ctx.signed.session.id);
      return seeOther(reply, '/account?done=password');
    } catch (e) {
      if (!isRefusal(e)) throw e;
      return refused(formStatus(e), fieldErrorOf(e, PASSWORD_LABELS, 'password'));
    }
  }));

  app.post('/account/sessions/others', opts, (req, reply) => signedIn(k, req, reply, { returnTo: '/account' }, async (ctx) => {
    await sessions.revokeOthers(k.sessions.callerOf(req, ctx.viewer.user), ctx.signed.session.id);
    return seeOther(reply, '/account?done=others');
  }));

  app.post('/account/sessions/:id/end', opts, (req, reply) => signedIn(k, req, reply, { returnTo: '/account' }, async (ctx) => {
    const id = String((req.params as { id: string }).id).slice(0, 64);
    const ended = await sessions.revoke(k.sessions.callerOf(req, ctx.viewer.user), ctx.signed.session.id, id);
    if (ended.current) {
      clearSessionCookie(reply);
      return seeOther(reply, '/signin?done=signed-out');
    }
    return seeOther(reply, '/account?done=session-ended');
  }));

  app.post('/account/invitations/:id/:action', opts, (req, reply) => signedIn(k, req, reply, { returnTo: '/account' }, async (ctx) => {
    const p = req.params as { id: string; action: string };
    if (p.action !== 'accept' && p.action !== 'decline') return sendPage(reply, 404, notFoundPage(ctx));
    const back = field(req.body, 'return_to');
    const returnTo = back && INVITATION_PAGES.includes(back) ? back : '/account';
    try {
      const inv = await invitations.respond(k.sessions.callerOf(req, ctx.viewer.user), String(p.id).slice(0, 64), p.action);
      return seeOther(reply, p.action === 'accept' ? `/orgs/${encodeURIComponent(inv.org)}?done=joined` : `${returnTo}?done=declined`);
    } catch (e) {
      if (!isPatdError(e) || e.code !== 'conflict') throw e;
      return sendPage(reply, 409, errorPage(ctx, { title: 'The invitation cannot be answered', message: `${e.message}.`, back: { href: returnTo, label: 'Go back' } }));
    }
  }));

  app.get('/account/security-log', opts, (req, reply) => signedIn(k, req, reply, { returnTo: req.url, title: 'Sign in to see your security log' }, async (ctx) => {
    const cursor = queryParam(req.query, 'cursor') || null;
    const page = await pageAt(cursor, (c) => audit.forUser(ctx.viewer.user.id, {}, { limit: LOG_PAGE, cursor: c }));
    return sendPage(reply, 200, securityLogPage(ctx, { events: page.items, paged: !!cursor, nextCursor: page.nextCursor }));
  }));
}
