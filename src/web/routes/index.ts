import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppDeps, HttpExtension } from '../../adapters/http/deps.js';
import { toPatdError } from '../../adapters/http/problem.js';
import { assetRoutes } from '../assets.js';
import { errorPage, notFoundPage } from '../pages/errors.js';
import { sendPage, wantsHtml, withRetryAfter } from '../render.js';
import type { WebKit } from './kit.js';
import { orgAdminRoutes } from './org-admin.js';
import { secretOnce } from './secret-once.js';
import { webSessions } from './session.js';
import { signInRoutes } from './sign-in.js';
import { tokenEditRoutes } from './token-edit.js';
import { tokenRoutes } from './tokens.js';
import { accountRoutes } from './account.js';
import { adminRoutes } from './admin.js';
import { orgRoutes } from './orgs.js';
import type { AuditService } from '../../core/audit/query.js';

/**
 * The web app (server-rendered pages, docs/web.md): sign-in and sign-out, personal access
 * tokens, the assets. Every action calls the use case the API calls. Page errors are pages:
 * "not found" (also another user's token) is an HTML 404, a refusal an HTML page with its
 * status, anything unexpected a 500 page with the request id.
 */
export const webPages = (o: { instanceSecret: string; audit?: AuditService }): HttpExtension => async (app, deps) => {
  const secure = deps.http.publicUrl.startsWith('https:');
  const k: WebKit = {
    deps, sessions: webSessions(deps), secrets: secretOnce(o.instanceSecret, deps.core.clock, secure),
    leadDays: Math.max(...(deps.http.expiryWarningDays ?? [7])), audit: o.audit ?? deps.audit,
  };
  await app.register(async (web) => {
    web.setErrorHandler(async (thrown, req, reply) => {
      // The API's mapping (problem.ts): Fastify's refusals of a request (a body over the limit,
      // malformed JSON, a content type no parser takes) and bad input stay 4xx; anything
      // unexpected is logged there and becomes a 500 page with the request id.
      const err = toPatdError(thrown as Error, req);
      const ctx = await k.sessions.ctx(req).catch(() => ({ viewer: null, now: deps.core.clock.now() }));
      if (err.code === 'not_found') return sendPage(reply, 404, notFoundPage(ctx, notFoundText(req.url, err.message)));
      if (err.status < 500) return sendPage(withRetryAfter(reply, err), err.status, errorPage(ctx, { message: err.message }));
      const message = err.code === 'internal' ? `An unexpected error happened. Quote request id ${req.id} to the operator.` : `${err.message} (request id ${req.id}).`;
      return sendPage(withRetryAfter(reply, err), err.status, errorPage(ctx, { message }));
    });
    assetRoutes(web);
    signInRoutes(web, k);
    tokenRoutes(web, k);
    tokenEditRoutes(web, k);
    if (k.audit) accountRoutes(web, k);
    orgRoutes(web, k);
    orgAdminRoutes(web, k);
    if (deps.admin) adminRoutes(web, k, deps.admin);
  });
};

/**
 * What a page's "not found" is about, by its area. Under an org, a missing org says so; anything
 * else there (a service account, a webhook, a token of another org) is named by the use case.
 */
function notFoundText(url: string, detail: string): string {
  if (url.startsWith('/orgs')) {
    if (/^no org /.test(detail)) return 'There is no such organization, or you are not a member of it.';
    return `${detail.charAt(0).toUpperCase()}${detail.slice(1)}.`;
  }
  if (url.startsWith('/admin/clients')) return 'There is no such client.';
  if (url.startsWith('/admin')) return 'There is no such user.';
  if (url.startsWith('/account')) return 'There is no such session or invitation on your account.';
  return 'There is no such token on your account.';
}

/** For the app's not-found handler: a browser asking for a page gets an HTML 404, everyone else problem details. */
export const htmlPages = {
  wants: wantsHtml,
  async notFound(deps: AppDeps, req: FastifyRequest, reply: FastifyReply) {
    const ctx = await webSessions(deps).ctx(req);
    return sendPage(reply, 404, notFoundPage(ctx));
  },
};
