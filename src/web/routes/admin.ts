import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { generatePassword, type InstanceAdmin, requireInstanceAdmin } from '../../core/accounts/admin.js';
import type { ResourceClient } from '../../core/clients/model.js';
import { PatdError } from '../../core/errors.js';
import type { Caller, User } from '../../core/model.js';
import type { PasswordMode } from '../components/password-choice.js';
import type { FieldErrors } from '../components/form.js';
import { clientPath, clientSecretPage, clientsPage, removeClientConfirmPage } from '../pages/admin/clients.js';
import { allOrgsPage } from '../pages/admin/orgs.js';
import {
  disableConfirmPage, generatedPasswordPage, type NewUserValues, newUserPage, resetPasswordPage, USER_NOTICES, type UserNotice, userPage, userPath, usersPage,
} from '../pages/admin/users.js';
import { seeOther, sendPage } from '../render.js';
import { field, queryParam } from './form.js';
import { type SignedCtx, signedIn, type WebKit } from './kit.js';
import { noticeOf, pageAt } from './paging.js';
import { fieldErrorOf, formStatus, isRefusal } from './refusal.js';

const PAGE = 50;
const USER_LABELS = { username: 'The username', email: 'The email', displayName: 'The display name', password: 'The password' };
const CLIENT_NOTICES: Record<string, string> = { removed: 'The client is removed: it can no longer check or revoke tokens.' };
const idOf = (req: FastifyRequest) => String((req.params as { id: string }).id).slice(0, 64);

/**
 * `/admin/…`, for instance admins: users (add, disable, enable, reset password), every org, and
 * the resource-server clients. Every handler goes through an InstanceAdmin use case (or its
 * guard, for a page that only shows a form), which refuses anyone else with 403; the
 * navigation hiding the link is only a convenience.
 */
export function adminRoutes(app: FastifyInstance, k: WebKit, admin: InstanceAdmin): void {
  const opts = { config: { auth: 'none' as const }, schema: { hide: true } };
  const callerOf = (req: FastifyRequest, ctx: SignedCtx): Caller => k.sessions.callerOf(req, ctx.viewer.user);
  const page = (path: string, handler: (req: FastifyRequest, reply: FastifyReply, ctx: SignedCtx, c: Caller) => Promise<unknown>) =>
    (req: FastifyRequest, reply: FastifyReply) => signedIn(k, req, reply, { returnTo: req.method === 'GET' ? req.url : path, title: 'Sign in to administer patd' }, (ctx) => {
      const c = callerOf(req, ctx);
      // The use cases refuse non-admins too; checking first keeps their refusal off the forms (a 403 page instead).
      requireInstanceAdmin(c);
      return handler(req, reply, ctx, c);
    });

  app.get('/admin', opts, page('/admin', async (_req, reply) => seeOther(reply, '/admin/users')));

  // ---- Users ----
  app.get('/admin/users', opts, page('/admin/users', async (req, reply, ctx, c) => {
    const cursor = queryParam(req.query, 'cursor') || null;
    const users = await pageAt(cursor, (at) => admin.listUsers(c, { limit: PAGE, cursor: at }));
    return sendPage(reply, 200, usersPage(ctx, { users: users.items, paged: !!cursor, nextCursor: users.nextCursor }));
  }));

  const blank: NewUserValues = { username: '', email: '', displayName: '', mode: 'generate', admin: false };
  app.get('/admin/users/new', opts, page('/admin/users/new', async (_req, reply, ctx) => sendPage(reply, 200, newUserPage(ctx, blank, {}))));

  app.post('/admin/users/new', opts, page('/admin/users/new', async (req, reply, ctx, c) => {
    const b = req.body;
    const v: NewUserValues = {
      username: (field(b, 'username') ?? '').trim(), email: (field(b, 'email') ?? '').trim(), displayName: (field(b, 'display_name') ?? '').trim(),
      mode: modeOf(field(b, 'password_mode')), admin: field(b, 'admin') === '1',
    };
    const chosen = passwordOf(v.mode, field(b, 'password'));
    try {
      const u = await admin.addUser(c, {
        username: v.username, email: v.email, ...(v.displayName ? { displayName: v.displayName } : {}), ...(chosen !== undefined ? { password: chosen } : {}), admin: v.admin,
      });
      return afterPassword(reply, ctx, u, v.mode, chosen, 'created');
    } catch (e) {
      if (!isRefusal(e)) throw e;
      return sendPage(reply, formStatus(e), newUserPage(ctx, v, fieldErrorOf(e, USER_LABELS, 'username')));
    }
  }));

  /** A generated password goes to its one showing; a typed one back to the user's page. */
  const afterPassword = (reply: FastifyReply, ctx: SignedCtx, u: User, mode: PasswordMode, password: string | undefined, done: UserNotice) => {
    if (mode !== 'generate' || !password) return seeOther(reply, `${userPath(u)}?done=${done}`);
    const at = `${userPath(u)}/password`;
    k.secrets.keepAt(reply, at, { t: u.id, s: ctx.signed.session.id, secret: password, kind: 'password' });
    return seeOther(reply, at);
  };

  app.get('/admin/users/:id', opts, page('/admin/users', async (req, reply, ctx, c) => {
    const u = await admin.user(c, idOf(req));
    const n = queryParam(req.query, 'done');
    return sendPage(reply, 200, userPage(ctx, u, { notice: noticeOf(USER_NOTICES, n) ? (n as UserNotice) : undefined }));
  }));

  app.get('/admin/users/:id/password', opts, page('/admin/users', async (req, reply, ctx, c) => {
    const u = await admin.user(c, idOf(req));
    const kept = k.secrets.takeAt(req, reply, `${userPath(u)}/password`, u.id, ctx.signed.session.id);
    return sendPage(reply, 200, generatedPasswordPage(ctx, u, kept?.kind === 'password' ? kept.secret : null));
  }));

  app.get('/admin/users/:id/disable', opts, page('/admin/users', async (req, reply, ctx, c) => {
    const u = await admin.user(c, idOf(req));
    if (u.disabled) return seeOther(reply, userPath(u));
    return sendPage(reply, 200, disableConfirmPage(ctx, u));
  }));

  for (const [action, disabled] of [['disable', true], ['enable', false]] as const) {
    app.post(`/admin/users/:id/${action}`, opts, page('/admin/users', async (req, reply, ctx, c) => {
      const id = idOf(req);
      try {
        const u = await admin.updateUser(c, id, { disabled });
        return seeOther(reply, `${userPath(u)}?done=${disabled ? 'disabled' : 'enabled'}`);
      } catch (e) {
        // Disabling yourself is refused by the use case; say so on the user's page.
        if (!(e instanceof PatdError) || e.code !== 'forbidden' || !c.user.isAdmin) throw e;
        return sendPage(reply, 403, userPage(ctx, await admin.user(c, id), { error: `The user was not ${disabled ? 'disabled' : 'enabled'}: ${e.message}.` }));
      }
    }));
  }

  app.get('/admin/users/:id/reset-password', opts, page('/admin/users', async (req, reply, ctx, c) => {
    const u = await admin.user(c, idOf(req));
    return sendPage(reply, 200, resetPasswordPage(ctx, u, { mode: 'generate' }));
  }));

  app.post('/admin/users/:id/reset-password', opts, page('/admin/users', async (req, reply, ctx, c) => {
    const u = await admin.user(c, idOf(req));
    const mode = modeOf(field(req.body, 'password_mode')) === 'type' ? 'type' : 'generate';
    const chosen = passwordOf(mode, field(req.body, 'password')) ?? '';
    try {
      await admin.resetPassword(c, u.id, chosen);
      return afterPassword(reply, ctx, u, mode, chosen, 'password-reset');
    } catch (e) {
      if (!isRefusal(e)) throw e;
      const errors: FieldErrors = fieldErrorOf(e, USER_LABELS, 'password');
      return sendPage(reply, formStatus(e), resetPasswordPage(ctx, u, { mode, error: errors.password ?? Object.values(errors)[0] }));
    }
  }));

  // ---- Every org ----
  app.get('/admin/orgs', opts, page('/admin/orgs', async (req, reply, ctx, c) => {
    const cursor = queryParam(req.query, 'cursor') || null;
    const orgs = await pageAt(cursor, (at) => admin.listOrgs(c, { limit: PAGE, cursor: at }));
    return sendPage(reply, 200, allOrgsPage(ctx, { orgs: orgs.items, paged: !!cursor, nextCursor: orgs.nextCursor }));
  }));

  // ---- Resource-server clients ----
  const clientsList = async (reply: FastifyReply, ctx: SignedCtx, c: Caller, status: number, o: { notice?: string; add?: { name: string; error: string } }) =>
    sendPage(reply, status, clientsPage(ctx, { clients: await admin.listClients(c), ...o }));
  const clientOf = async (req: FastifyRequest, c: Caller): Promise<ResourceClient> => {
    const found = (await admin.listClients(c)).find((x) => x.id === idOf(req));
    if (!found) throw new PatdError('not_found', 'no such client');
    return found;
  };

  app.get('/admin/clients', opts, page('/admin/clients', async (req, reply, ctx, c) =>
    clientsList(reply, ctx, c, 200, { notice: noticeOf(CLIENT_NOTICES, queryParam(req.query, 'done')) })));

  app.post('/admin/clients', opts, page('/admin/clients', async (req, reply, ctx, c) => {
    const name = (field(req.body, 'name') ?? '').trim();
    try {
      const added = await admin.addClient(c, name);
      const at = `${clientPath(added.client)}/secret`;
      k.secrets.keepAt(reply, at, { t: added.client.id, s: ctx.signed.session.id, secret: added.secret, kind: 'client' });
      return seeOther(reply, at);
    } catch (e) {
      if (!isRefusal(e)) throw e;
      const errors = fieldErrorOf(e, { name: 'The name' }, 'name');
      return clientsList(reply, ctx, c, formStatus(e), { add: { name, error: errors.name ?? e.message } });
    }
  }));

  app.get('/admin/clients/:id/secret', opts, page('/admin/clients', async (req, reply, ctx, c) => {
    const client = await clientOf(req, c);
    const kept = k.secrets.takeAt(req, reply, `${clientPath(client)}/secret`, client.id, ctx.signed.session.id);
    return sendPage(reply, 200, clientSecretPage(ctx, client, kept?.kind === 'client' ? kept.secret : null));
  }));

  app.get('/admin/clients/:id/remove', opts, page('/admin/clients', async (req, reply, ctx, c) =>
    sendPage(reply, 200, removeClientConfirmPage(ctx, await clientOf(req, c)))));

  app.post('/admin/clients/:id/remove', opts, page('/admin/clients', async (req, reply, _ctx, c) => {
    await admin.removeClient(c, idOf(req));
    return seeOther(reply, '/admin/clients?done=removed');
  }));
}

const modeOf = (v: string | undefined): PasswordMode => (v === 'type' ? 'type' : v === 'none' ? 'none' : 'generate');

/** The password the form asks for: generated, typed (empty stays empty, for the use case to refuse), or none. */
function passwordOf(mode: PasswordMode, typed: string | undefined): string | undefined {
  if (mode === 'generate') return generatePassword();
  if (mode === 'type') return typed ?? '';
  return undefined;
}
