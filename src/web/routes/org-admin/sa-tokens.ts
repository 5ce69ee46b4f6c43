import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { orgLimitsOf } from '../../../core/policies/limits.js';
import type { ServiceAccountService, ServiceAccountView } from '../../../core/orgs/service-accounts.js';
import type { TokenView } from '../../../core/tokens/view.js';
import type { Snippet } from '../../components/secret.js';
import type { FieldErrors } from '../../components/form.js';
import type { TokenFormValues } from '../../components/token-fields.js';
import { confirmPage } from '../../pages/org-admin/confirm.js';
import { saNewTokenPage, saRegeneratePage, saTokenSecretPage } from '../../pages/org-admin/sa-tokens.js';
import { revokeSaToken, saTokenPath } from '../../pages/org-admin/service-account.js';
import { serviceAccountPath } from '../../pages/org-admin/service-accounts.js';
import { GRACE_CHOICES } from '../../pages/token.js';
import { seeOther, sendPage } from '../../render.js';
import { field } from '../form.js';
import type { WebKit } from '../kit.js';
import { defaultValues, formErrorOf, formOptions, readTokenForm, toCreateInput } from '../token-form.js';
import { snippets } from '../tokens.js';
import { isRefusal } from '../refusal.js';
import { type OrgCtx, orgAdmin, param, routeOpts } from './kit.js';

/**
 * A service account's tokens: the token form (its org fixed, the org's policy limits applied),
 * the secret once, regenerate with a grace period, revoke. The same ServiceAccountService use
 * cases as `/api/v1/orgs/{org}/service-accounts/{username}/tokens…`.
 */
export function serviceAccountTokenRoutes(app: FastifyInstance, k: WebKit, sa: ServiceAccountService): void {
  const { deps } = k;
  const back = (req: FastifyRequest) => serviceAccountPath(param(req, 'org'), param(req, 'username'));
  const account = (c: OrgCtx, req: FastifyRequest) => sa.get(c.caller, c.a, param(req, 'username'));
  const token = (c: OrgCtx, a: ServiceAccountView, req: FastifyRequest) => sa.getToken(c.caller, c.a, a.username, param(req, 'id'));

  const form = async (reply: FastifyReply, c: OrgCtx, a: ServiceAccountView, status: number, v: TokenFormValues, errors: FieldErrors) => {
    const fixed = { ...v, orgMode: 'some' as const, orgs: [c.org.name] };
    const options = await formOptions(deps, a.id, fixed);
    return sendPage(reply, status, saNewTokenPage(c, c.org, a, { values: fixed, options: { ...options, fixedOrg: options.orgs[0] }, errors }));
  };

  app.get('/orgs/:org/service-accounts/:username/tokens/new', routeOpts, (req, reply) => orgAdmin(k, req, reply, async (c) => {
    const a = await account(c, req);
    return form(reply, c, a, 200, defaultValues(await orgLimitsOf(deps.core.store.r, a.id), deps.core.settings.maxTokenDays), {});
  }));

  app.post('/orgs/:org/service-accounts/:username/tokens/new', routeOpts, (req, reply) => orgAdmin(k, req, reply, async (c) => {
    const a = await account(c, req);
    const v = readTokenForm(req.body);
    const { input, errors } = toCreateInput(v);
    if (!input) return form(reply, c, a, 400, v, errors);
    try {
      const { orgs: _limitedToTheOrg, ...rest } = input;
      const issued = await sa.createToken(c.caller, c.a, a.username, rest, 'web');
      const at = `${saTokenPath(c.org.name, a.username, issued.token.id)}/secret`;
      k.secrets.keepAt(reply, at, { t: issued.token.id, s: c.signed.session.id, secret: issued.secret, kind: 'created' });
      return seeOther(reply, at);
    } catch (e) {
      if (!isRefusal(e)) throw e;
      return form(reply, c, a, e.status, v, formErrorOf(e));
    }
  }, { back: back(req) }));

  app.get('/orgs/:org/service-accounts/:username/tokens/:id/secret', routeOpts, (req, reply) => orgAdmin(k, req, reply, async (c) => {
    const a = await account(c, req);
    const t = await token(c, a, req);
    const at = `${saTokenPath(c.org.name, a.username, t.id)}/secret`;
    const kept = k.secrets.takeAt(req, reply, at, t.id, c.signed.session.id);
    return sendPage(reply, 200, saTokenSecretPage(c, c.org, a, t, {
      secret: kept?.secret ?? null, kind: kept?.kind === 'regenerated' ? 'regenerated' : 'created', snippets: kept ? saSnippets(k, t, kept.secret, c.org.name) : [],
    }));
  }));

  app.get('/orgs/:org/service-accounts/:username/tokens/:id/regenerate', routeOpts, (req, reply) => orgAdmin(k, req, reply, async (c) => {
    const a = await account(c, req);
    const t = await token(c, a, req);
    if (t.status === 'revoked') return seeOther(reply, serviceAccountPath(c.org.name, a.username));
    return sendPage(reply, 200, saRegeneratePage(c, c.org, a, t));
  }));

  app.post('/orgs/:org/service-accounts/:username/tokens/:id/regenerate', routeOpts, (req, reply) => orgAdmin(k, req, reply, async (c) => {
    const a = await account(c, req);
    const t = await token(c, a, req);
    const grace = Number(field(req.body, 'grace') ?? '0');
    if (!GRACE_CHOICES.some((g) => g.seconds === grace)) return sendPage(reply, 400, saRegeneratePage(c, c.org, a, t, 'Choose what happens to the old secret.'));
    try {
      const issued = await sa.regenerateToken(c.caller, c.a, a.username, t.id, grace);
      const at = `${saTokenPath(c.org.name, a.username, t.id)}/secret`;
      k.secrets.keepAt(reply, at, { t: t.id, s: c.signed.session.id, secret: issued.secret, kind: 'regenerated' });
      return seeOther(reply, at);
    } catch (e) {
      if (!isRefusal(e)) throw e;
      return sendPage(reply, e.status, saRegeneratePage(c, c.org, a, t, `The token was not regenerated: ${e.message}.`));
    }
  }, { back: back(req) }));

  app.get('/orgs/:org/service-accounts/:username/tokens/:id/revoke', routeOpts, (req, reply) => orgAdmin(k, req, reply, async (c) => {
    const a = await account(c, req);
    const t = await token(c, a, req);
    if (t.status === 'revoked') return seeOther(reply, serviceAccountPath(c.org.name, a.username));
    return sendPage(reply, 200, confirmPage(c, c.org, {
      section: 'Service accounts', crumbs: [{ href: serviceAccountPath(c.org.name, a.username), label: a.username }],
      title: `Revoke ${t.name}?`, c: revokeSaToken(c.org.name, a, t),
    }));
  }));

  app.post('/orgs/:org/service-accounts/:username/tokens/:id/revoke', routeOpts, (req, reply) => orgAdmin(k, req, reply, async (c) => {
    const username = param(req, 'username');
    await sa.revokeToken(c.caller, c.a, username, param(req, 'id'));
    return seeOther(reply, `${serviceAccountPath(c.org.name, username)}?done=revoked`);
  }, { back: back(req) }));
}

/** A service account's token is checked by the services it calls: forward-auth for the org first, then the usual snippets. */
function saSnippets(k: WebKit, t: TokenView, secret: string, org: string): Snippet[] {
  const verify = { label: 'Check it (forward-auth)', text: `curl -u :${secret} "${k.deps.http.publicUrl}/auth/verify?org=${encodeURIComponent(org)}"`, note: 'Answers 200 with the account in X-Patd-User while the token is good in this organization.' };
  return [verify, ...snippets(k, t, secret, org)];
}
