import { type Static, Type } from '@sinclair/typebox';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { type DeviceService, formatUserCode, normalizeUserCode } from '../../../core/device/service.js';
import { isPatdError, PatdError } from '../../../core/errors.js';
import { caller } from '../auth.js';
import type { AppDeps, HttpExtension } from '../deps.js';
import { errors } from '../schemas.js';
import { DEVICE_GRANT, deviceAuthorizationDoc, deviceTokenDoc } from './oauth-doc.js';
import { approvePage, deviceErrorPage, enterCodePage, resultPage } from '../../../web/pages/device.js';
import { seeOther, sendPage as html, withRetryAfter } from '../../../web/render.js';
import { showSignIn } from '../../../web/routes/kit.js';
import { field } from '../../../web/routes/form.js';
import { type Signed, webSessions } from '../../../web/routes/session.js';

const DeviceRequest = Type.Object({
  userCode: Type.String(), clientName: Type.String(), tokenName: Type.String(),
  scopes: Type.Array(Type.Object({ id: Type.String(), description: Type.String() })),
  orgs: Type.Union([Type.Literal('*'), Type.Array(Type.String())]), expiresInDays: Type.Integer(),
  requestedAt: Type.String(), expiresAt: Type.String(), status: Type.String(),
  requestedFrom: Type.Object({ ip: Type.Union([Type.String(), Type.Null()]), userAgent: Type.Union([Type.String(), Type.Null()]) }),
});
const Discovery = Type.Object({
  patd: Type.Integer(), issuer: Type.String(), device_authorization_endpoint: Type.String(), token_endpoint: Type.String(),
  verification_uri: Type.String(), git: Type.String({ description: 'URL template of the git host' }),
});
const CodeParam = Type.Object({ userCode: Type.String({ maxLength: 20 }) });
const Decision = Type.Object({
  action: Type.Union([Type.Literal('approve'), Type.Literal('deny')]),
  orgs: Type.Optional(Type.Union([Type.Literal('*'), Type.Array(Type.String({ maxLength: 64 }), { minItems: 1, maxItems: 100 })])),
  expiresInDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650 })),
}, { additionalProperties: false });

/** RFC 8628 endpoints, the /device approval page and the JSON API the page approves through. */
export const deviceRoutes = (device: DeviceService): HttpExtension => async (app, deps) => {
  await app.register(oauth(deps, device));
  await app.register(pages(deps, device));
  await app.register(api(device), { prefix: '/api/v1' });
};

/** RFC 6749 §5.2 error answer (the OAuth endpoints do not use problem details). */
function oauthError(reply: FastifyReply, status: number, error: string, description: string, extra: Record<string, unknown> = {}) {
  return reply.code(status).header('cache-control', 'no-store').send({ error, error_description: description, ...extra });
}

const oauth = (deps: AppDeps, device: DeviceService): FastifyPluginAsync => async (app) => {
  const base = deps.http.publicUrl;
  const tags = ['device'];
  app.get('/.well-known/patd', {
    config: { auth: 'none' }, schema: { tags, operationId: 'getDiscovery', summary: 'Where the device flow and the git host are (what `patd login` reads)', response: { 200: Discovery } },
  }, async () => ({
    patd: 1, issuer: base, device_authorization_endpoint: `${base}/oauth/device_authorization`, token_endpoint: `${base}/oauth/token`,
    verification_uri: `${base}/device`, git: `${base}/{org}/_git/{repo}`,
  }));

  app.post('/oauth/device_authorization', {
    config: { auth: 'none', openapi: deviceAuthorizationDoc },
    schema: { tags, operationId: 'oauthDeviceAuthorization', summary: 'Start a device sign-in (RFC 8628 device authorization request)' },
  }, async (req, reply) => {
    const b = req.body;
    const days = field(b, 'expires_in_days');
    try {
      if (days !== undefined && !/^\d{1,4}$/.test(days)) throw new PatdError('validation_failed', 'expires_in_days must be a whole number of days', { field: 'expires_in_days' });
      const s = await device.start({
        clientId: field(b, 'client_id') ?? '', scope: field(b, 'scope') ?? '', tokenName: field(b, 'token_name'),
        orgs: field(b, 'orgs'), expiresInDays: days === undefined ? undefined : Number(days),
      }, { actor: { type: 'anonymous', id: null, name: null }, ip: req.ip, userAgent: req.headers['user-agent'] ?? null });
      return reply.header('cache-control', 'no-store').send({
        device_code: s.deviceCode, user_code: s.userCode, verification_uri: `${base}/device`,
        verification_uri_complete: `${base}/device?user_code=${s.userCode}`, expires_in: s.expiresIn, interval: s.interval,
      });
    } catch (e) {
      if (!isPatdError(e)) throw e;
      if (e.code === 'rate_limited') return oauthError(reply.header('retry-after', String(e.extras.retryAfter ?? 60)), 429, 'slow_down', e.message);
      if (e.code === 'unknown_scope') return oauthError(reply, 400, 'invalid_scope', e.message);
      return oauthError(reply, 400, 'invalid_request', e.message);
    }
  });

  app.post('/oauth/token', {
    config: { auth: 'none', openapi: deviceTokenDoc },
    schema: { tags, operationId: 'oauthToken', summary: 'Poll for the token of a device sign-in (RFC 8628 device access token request)' },
  }, async (req, reply) => {
    const b = req.body;
    const grant = field(b, 'grant_type');
    if (grant !== DEVICE_GRANT) return oauthError(reply, 400, 'unsupported_grant_type', `grant_type must be ${DEVICE_GRANT}`);
    const code = field(b, 'device_code');
    const clientId = field(b, 'client_id');
    if (!code || !clientId) return oauthError(reply, 400, 'invalid_request', 'device_code and client_id are required');
    const r = await device.poll(code, clientId, { actor: { type: 'anonymous', id: null, name: null }, ip: req.ip, userAgent: req.headers['user-agent'] ?? null });
    if (!r.ok) return oauthError(reply, 400, r.error, r.description, r.interval ? { interval: r.interval } : {});
    return reply.header('cache-control', 'no-store').header('pragma', 'no-cache').send({
      access_token: r.accessToken, token_type: 'bearer', expires_in: r.expiresIn, scope: r.scope, token_id: r.tokenId,
    });
  });
};

const pages = (deps: AppDeps, device: DeviceService): FastifyPluginAsync => async (app) => {
  const sessions = webSessions(deps);
  const now = () => deps.core.clock.now();
  const show = async (req: FastifyRequest, reply: FastifyReply, userCode: string, s: Signed) => {
    const ctx = { viewer: sessions.viewer(s) as NonNullable<ReturnType<typeof sessions.viewer>>, now: now() };
    try {
      return html(reply, 200, approvePage(ctx, await device.describe(userCode, req.ip)));
    } catch (e) {
      if (isPatdError(e) && e.code === 'not_found') return html(reply, 404, enterCodePage(ctx, e.message));
      if (isPatdError(e) && e.code === 'rate_limited') return html(withRetryAfter(reply, e), 429, enterCodePage(ctx, e.message));
      throw e;
    }
  };
  // The sign-in form posts to /signin and comes back here (login CSRF: see web/routes/session.ts).
  const signInForm = (req: FastifyRequest, reply: FastifyReply, status: number, code: string, error?: string) => {
    const n = normalizeUserCode(code);
    const returnTo = n.length === 8 ? `/device?user_code=${formatUserCode(n)}` : '/device';
    return showSignIn({ deps, sessions }, req, reply, { status, returnTo, title: 'Sign in to approve a device', intro: 'A device or program asks for a personal access token. Sign in to see what it asks for.', error });
  };

  app.get('/device', { config: { auth: 'none' }, schema: { hide: true } }, async (req, reply) => {
    const q = req.query as { user_code?: unknown };
    const code = typeof q.user_code === 'string' ? q.user_code.slice(0, 20) : '';
    const s = await sessions.current(req);
    if (!s) return signInForm(req, reply, 200, code);
    const ctx = { viewer: sessions.viewer(s), now: now() };
    const done = (req.query as { done?: unknown }).done;
    if (done === 'approved' || done === 'denied') return html(reply, 200, resultPage(ctx, done));
    if (!code) return html(reply, 200, enterCodePage(ctx));
    return show(req, reply, code, s);
  });

  app.post('/device', { config: { auth: 'none' }, schema: { hide: true } }, async (req, reply) => {
    const b = req.body;
    const action = field(b, 'action');
    const code = (field(b, 'user_code') ?? '').slice(0, 20);
    const s = await sessions.current(req);
    const ctx = { viewer: sessions.viewer(s), now: now() };
    if (action !== 'approve' && action !== 'deny') return html(reply, 400, deviceErrorPage(ctx, 'unknown action'));
    if (!s) return signInForm(req, reply, 401, code, 'Your session has ended; sign in again.');
    if (!sessions.csrfOk(req, s)) return html(reply, 403, deviceErrorPage(ctx, 'The form has expired (missing or wrong CSRF token). Open the link from your device again.'));
    try {
      const r = await device.decide(sessions.callerOf(req, s.user), code, action);
      // Post/redirect/get: reloading the result page must not post the decision again.
      return seeOther(reply, `/device?done=${r.status}`);
    } catch (e) {
      if (isPatdError(e) && e.status < 500) return html(withRetryAfter(reply, e), e.status, deviceErrorPage(ctx, e.message));
      throw e;
    }
  });
};

const api = (device: DeviceService): FastifyPluginAsync => async (app) => {
  const tags = ['device'];
  app.get('/device/:userCode', {
    config: { auth: { sessionOnly: true } },
    schema: { tags, operationId: 'getDeviceRequest', summary: 'What a device sign-in request asks for', params: CodeParam, response: { 200: DeviceRequest, ...errors(401, 403, 404, 429) } },
  }, async (req) => {
    caller(req);
    return device.describe((req.params as Static<typeof CodeParam>).userCode, req.ip);
  });
  app.post('/device/:userCode', {
    config: { auth: { sessionOnly: true } },
    schema: { tags, operationId: 'decideDeviceRequest', summary: 'Approve or deny a device sign-in request', params: CodeParam, body: Decision, response: { 200: Type.Object({ status: Type.String() }), ...errors(400, 401, 403, 404, 409, 429) } },
  }, async (req) => {
    const b = req.body as Static<typeof Decision>;
    return device.decide(caller(req), (req.params as Static<typeof CodeParam>).userCode, b.action, { orgs: b.orgs, expiresInDays: b.expiresInDays });
  });
};
