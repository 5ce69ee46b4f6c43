import type { FastifyInstance, FastifyReply } from 'fastify';
import { isPatdError, type PatdError } from '../../core/errors.js';
import type { TokenView } from '../../core/tokens/view.js';
import type { FieldErrors } from '../components/form.js';
import type { TokenFormValues } from '../components/token-fields.js';
import { editTokenPage, newTokenPage } from '../pages/token-form.js';
import { GRACE_CHOICES, regenerateConfirmPage, revokeConfirmPage, tokenPath } from '../pages/token.js';
import { seeOther, sendPage } from '../render.js';
import { field } from './form.js';
import { type SignedCtx, signedIn, type WebKit } from './kit.js';
import { idOf } from './tokens.js';
import { defaultValues, formErrorOf, formOptions, keepExpiryText, readTokenForm, toCreateInput, toEditInput, valuesOf } from './token-form.js';
import { orgLimitsOf } from '../../core/policies/limits.js';

/** A refusal a person can act on (bad input, policy) is shown on the form; anything else goes to the error page. */
const formRefusal = (e: unknown): e is PatdError => isPatdError(e) && e.status < 500 && e.code !== 'not_found';

/** New token, edit, regenerate (with a grace period) and revoke, each behind its own page. */
export function tokenEditRoutes(app: FastifyInstance, k: WebKit): void {
  const opts = { config: { auth: 'none' as const }, schema: { hide: true } };
  const { deps } = k;
  const back = (id: string) => `/tokens/${encodeURIComponent(id)}`;

  const newForm = async (reply: FastifyReply, ctx: SignedCtx, status: number, v: TokenFormValues, errors: FieldErrors) =>
    sendPage(reply, status, newTokenPage(ctx, { values: v, options: await formOptions(deps, ctx.viewer.user.id, v), errors }));

  app.get('/tokens/new', opts, (req, reply) => signedIn(k, req, reply, { returnTo: '/tokens/new', title: 'Sign in to create a token' }, async (ctx) => {
    const orgs = await orgLimitsOf(deps.core.store.r, ctx.viewer.user.id);
    return newForm(reply, ctx, 200, defaultValues(orgs, deps.core.settings.maxTokenDays), {});
  }));

  app.post('/tokens/new', opts, (req, reply) => signedIn(k, req, reply, { returnTo: '/tokens/new' }, async (ctx) => {
    const v = readTokenForm(req.body);
    if (field(req.body, 'action') === 'refresh') return newForm(reply, ctx, 200, v, {});
    const { input, errors } = toCreateInput(v);
    if (!input) return newForm(reply, ctx, 400, v, errors);
    try {
      const user = ctx.viewer.user;
      const issued = await deps.tokens.create(k.sessions.callerOf(req, user), user, input, { via: 'web' });
      k.secrets.keep(reply, { t: issued.token.id, s: ctx.signed.session.id, secret: issued.secret, kind: 'created' });
      return seeOther(reply, k.secrets.path(issued.token.id));
    } catch (e) {
      if (!formRefusal(e)) throw e;
      return newForm(reply, ctx, e.status, v, formErrorOf(e));
    }
  }));

  const editForm = async (reply: FastifyReply, ctx: SignedCtx, status: number, t: TokenView, v: TokenFormValues, errors: FieldErrors) =>
    sendPage(reply, status, editTokenPage(ctx, t, { values: v, options: await formOptions(deps, ctx.viewer.user.id, v, keepExpiryText(t, ctx.now)), errors }));

  app.get('/tokens/:id/edit', opts, (req, reply) => signedIn(k, req, reply, { returnTo: req.url }, async (ctx) => {
    const t = await deps.tokens.get(ctx.viewer.user, idOf(req));
    if (t.status === 'revoked') return seeOther(reply, tokenPath(t));
    return editForm(reply, ctx, 200, t, valuesOf(t), {});
  }));

  app.post('/tokens/:id/edit', opts, (req, reply) => signedIn(k, req, reply, { returnTo: back(idOf(req)) }, async (ctx) => {
    const user = ctx.viewer.user;
    const t = await deps.tokens.get(user, idOf(req));
    const v = readTokenForm(req.body);
    if (field(req.body, 'action') === 'refresh') return editForm(reply, ctx, 200, t, v, {});
    const { input, errors } = toEditInput(v, t);
    if (!input) return editForm(reply, ctx, 400, t, v, errors);
    try {
      if (Object.keys(input).length > 0) await deps.tokens.edit(k.sessions.callerOf(req, user), user, t.id, input);
      return seeOther(reply, `${tokenPath(t)}?done=updated`);
    } catch (e) {
      if (!formRefusal(e)) throw e;
      return editForm(reply, ctx, e.status, t, v, formErrorOf(e));
    }
  }));

  app.get('/tokens/:id/regenerate', opts, (req, reply) => signedIn(k, req, reply, { returnTo: req.url }, async (ctx) => {
    const t = await deps.tokens.get(ctx.viewer.user, idOf(req));
    if (t.status === 'revoked') return seeOther(reply, tokenPath(t));
    return sendPage(reply, 200, regenerateConfirmPage(ctx, t));
  }));

  app.post('/tokens/:id/regenerate', opts, (req, reply) => signedIn(k, req, reply, { returnTo: back(idOf(req)) }, async (ctx) => {
    const user = ctx.viewer.user;
    const t = await deps.tokens.get(user, idOf(req));
    const grace = Number(field(req.body, 'grace') ?? '0');
    if (!GRACE_CHOICES.some((g) => g.seconds === grace)) return sendPage(reply, 400, regenerateConfirmPage(ctx, t, 'Choose what happens to the old secret.'));
    try {
      const issued = await deps.tokens.regenerate(k.sessions.callerOf(req, user), user, t.id, grace);
      k.secrets.keep(reply, { t: t.id, s: ctx.signed.session.id, secret: issued.secret, kind: 'regenerated' });
      return seeOther(reply, k.secrets.path(t.id));
    } catch (e) {
      if (!formRefusal(e)) throw e;
      return sendPage(reply, e.status, regenerateConfirmPage(ctx, t, `The token was not regenerated: ${e.message}.`));
    }
  }));

  app.get('/tokens/:id/revoke', opts, (req, reply) => signedIn(k, req, reply, { returnTo: req.url }, async (ctx) => {
    const t = await deps.tokens.get(ctx.viewer.user, idOf(req));
    if (t.status === 'revoked') return seeOther(reply, tokenPath(t));
    return sendPage(reply, 200, revokeConfirmPage(ctx, t));
  }));

  app.post('/tokens/:id/revoke', opts, (req, reply) => signedIn(k, req, reply, { returnTo: back(idOf(req)) }, async (ctx) => {
    const user = ctx.viewer.user;
    const id = idOf(req);
    await deps.tokens.revoke(k.sessions.callerOf(req, user), user, id);
    return seeOther(reply, `${back(id)}?done=revoked`);
  }));
}
