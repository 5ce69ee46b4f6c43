import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import formbody from '@fastify/formbody';
import swagger from '@fastify/swagger';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest, type FastifyServerOptions, LogController, type onRequestHookHandler } from 'fastify';
import { PatdError } from '../../core/errors.js';
import type { Logger } from 'pino';
import { type AccessLine, accessLine } from '../access-line.js';
import { redactUrl, requestLoggerFactory } from '../logger.js';
import { authenticate, cachedPrincipal } from './auth.js';
import type { AppDeps, AuthRule } from './deps.js';
import { HotPath } from './hot-path.js';
import { checkDocumented, swaggerOptions } from './openapi.js';
import { sendProblem, toPatdError } from './problem.js';
import { healthRoutes } from './routes/health.js';
import { PatdMetrics, type RouteRecorder } from '../metrics/patd-metrics.js';
import { meRoutes } from './routes/me.js';
import { orgRoutes } from './routes/orgs.js';
import { scopeRoutes } from './routes/scopes.js';
import { sessionRoutes } from './routes/session.js';
import { tokenRoutes } from './routes/tokens.js';
import { userRoutes } from './routes/users.js';
import { Problem } from './schemas.js';

export const BODY_LIMIT = 64 * 1024;
const asArray = <T>(h: T | T[] | undefined): T[] => (h === undefined ? [] : Array.isArray(h) ? h : [h]);
const INSTANCE = randomBytes(3).toString('hex');
let requests = 0;

type RouteConfig = { metrics?: RouteRecorder } | undefined;
/**
 * The matched route's config. Fastify's public `req.routeOptions` builds a new object of twelve
 * fields on every read; its route context (the symbol Fastify itself uses) holds the same config.
 */
const kRouteContext: symbol | undefined = createRequire(import.meta.url)('fastify/lib/symbols.js').kRouteContext;
const routeConfig = (req: FastifyRequest): RouteConfig =>
  (kRouteContext ? (req as unknown as Record<symbol, { config?: RouteConfig } | undefined>)[kRouteContext]?.config : req.routeOptions.config) as RouteConfig;

/**
 * One access line per request, when it completes, with what Fastify's "incoming request" line
 * said (method, URL with secrets redacted, client address), instead of two lines: token checks
 * are the hot path of every service behind patd. The line is formatted by access-line.ts.
 */
class AccessLog extends LogController {
  constructor(
    private readonly unmatched: RouteRecorder,
    private readonly access: AccessLine | undefined,
  ) {
    super();
  }

  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, req: FastifyRequest, reply: FastifyReply): void {
    // Metrics for every request, here rather than in an onResponse hook on every route.
    const record = routeConfig(req)?.metrics ?? this.unmatched;
    record(req.method, reply.statusCode, reply.elapsedTime / 1000);
    if (this.isLogDisabled(req)) return;
    if (error) {
      reply.log.error({ req, res: reply, err: error, responseTime: reply.elapsedTime }, 'request errored');
      return;
    }
    // A route's log level (forward-auth's is warn) applies to its access line too.
    if (!this.access || !(reply.log as Logger).isLevelEnabled('info')) return;
    this.access({
      reqId: req.id, method: req.method, url: redactUrl(req.url), host: req.host, remoteAddress: req.ip, remotePort: req.socket.remotePort,
      statusCode: reply.statusCode, responseTime: reply.elapsedTime,
    });
  }
}

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const QUIET = new Set(['warn', 'error', 'fatal', 'silent']);
const JSON_TYPE = /^application\/json\s*(;|$)/i;

/**
 * API bodies are JSON only. A cross-site HTML form can send only form-encoded, multipart or
 * text/plain bodies; refusing them (415, before authentication) means such a form can neither
 * sign a browser in (login CSRF) nor act with a Basic credential the browser has cached.
 * No Content-Type is fine without a body; `application/json` with an empty body is fine too.
 */
const jsonOnly: onRequestHookHandler = (req, _reply, done) => {
  const type = req.headers['content-type'];
  const refused = type === undefined
    ? req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0')
    : !JSON_TYPE.test(type);
  if (refused) return done(new PatdError('unsupported_media_type', 'the API accepts request bodies as application/json only'));
  done();
};

/** Builds the HTTP app from ready-made services. Tests build it with their own deps. */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const metrics = deps.metrics ?? new PatdMetrics();
  const hot = new HotPath(deps.http.trustProxy);
  const app = Fastify({
    serverFactory: hot.serverFactory(),
    loggerInstance: deps.logger as unknown as FastifyBaseLogger,
    bodyLimit: BODY_LIMIT,
    trustProxy: deps.http.trustProxy,
    genReqId: () => `req_${INSTANCE}${(++requests).toString(36)}`,
    childLoggerFactory: requestLoggerFactory as unknown as FastifyServerOptions['childLoggerFactory'],
    logController: new AccessLog(metrics.route('unmatched'), accessLine(deps.logger)),
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } },
  });
  // Before any route: an observer (tests) sees every route of every scope, as declared.
  if (deps.onRoute) {
    const observe = deps.onRoute;
    app.addHook('onRoute', (r) => observe(r));
  }
  // From here on Fastify answers every request (503 while it closes).
  app.addHook('preClose', (done) => {
    hot.closing = true;
    done();
  });
  app.decorateRequest('caller', null);
  app.decorateRequest('session', null);
  await app.register(formbody, { bodyLimit: BODY_LIMIT });
  await app.register(swagger, swaggerOptions());
  app.addSchema(Problem);
  // Many clients send Content-Type: application/json on a DELETE or POST with no body: accept that.
  const json = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    if (body === '') return done(null, undefined);
    json(req, body as string, done);
  });

  // Per-route hooks, decided once when the route is added (Fastify's req.routeOptions builds a
  // new object on every access, so the hot path never reads it):
  // - every /api route must say how it authenticates; a route that forgot fails at start-up;
  // - every documented route names its operationId and success answer (openapi.ts);
  // - an /api route that takes a body accepts JSON only (before authentication, see jsonOnly);
  // - a route with an AuthRule gets an onRequest hook applying it before validation;
  // - every route gets its recorder for /metrics (used by AccessLog when the request completes);
  // - a GET route with a `hot` answer gets it on the hot path, behind the route's AuthRule.
  app.addHook('onRoute', (r) => {
    const rule = (r.config as { auth?: AuthRule } | undefined)?.auth;
    const api = r.url.startsWith('/api/');
    if (api && !rule) throw new Error(`route ${r.method} ${r.url} declares no auth rule`);
    checkDocumented(r, rule);
    const record = metrics.route(r.url);
    // A config object of its own: route files share theirs between routes.
    r.config = { ...r.config, metrics: record } as typeof r.config;
    const answer = r.config?.hot;
    if (answer && asArray(r.method).includes('GET')) {
      // Token checks write no access line per answer (metrics count them); the hot path writes none.
      if (!QUIET.has(r.logLevel ?? '')) throw new Error(`route ${r.url} has a hot answer but logs at ${r.logLevel || 'the app level'}: give it logLevel 'warn'`);
      hot.add({
        url: r.url, record, answered: metrics.hotRoute(r.url),
        answer: !rule || rule === 'none' ? (req) => answer(req, undefined) : (req) => {
          const p = cachedPrincipal(deps, req, rule);
          return p && answer(req, p);
        },
      });
    }
    if (rule && rule !== 'none') {
      const auth: onRequestHookHandler = (req, _reply, done) => {
        let pending: Promise<void> | undefined;
        try {
          pending = authenticate(deps, req, rule);
        } catch (e) {
          return done(e as Error);
        }
        if (pending) pending.then(() => done(), done);
        else done();
      };
      r.onRequest = [auth, ...asArray(r.onRequest)] as typeof r.onRequest;
    }
    // First of all: nothing is read or authenticated for a body the API would not take.
    if (api && asArray(r.method).some((m) => BODY_METHODS.has(m))) r.onRequest = [jsonOnly, ...asArray(r.onRequest)] as typeof r.onRequest;
  });
  app.setErrorHandler((err, req, reply) => sendProblem(reply, toPatdError(err as Error, req)));
  app.setNotFoundHandler((req, reply) => {
    if (deps.htmlPages?.wants(req)) return deps.htmlPages.notFound(deps, req, reply);
    return sendProblem(reply, new PatdError('not_found', `no route ${req.method} ${req.url.split('?')[0]}`));
  });

  await app.register(healthRoutes(deps, metrics));
  // Token checks for other services (forward-auth, introspection).
  for (const ext of deps.hotExtensions ?? []) await ext(app, deps);
  // The API, the git host and the pages.
  await app.register(async (api) => {
    await api.register(sessionRoutes(deps), { prefix: '/api/v1' });
    await api.register(meRoutes(deps), { prefix: '/api/v1' });
    await api.register(tokenRoutes(deps), { prefix: '/api/v1' });
    await api.register(userRoutes(deps), { prefix: '/api/v1' });
    await api.register(orgRoutes(deps), { prefix: '/api/v1' });
    await api.register(scopeRoutes(deps), { prefix: '/api/v1' });
    for (const ext of deps.extensions ?? []) await ext(api, deps);
  });

  app.get('/api/v1/openapi.json', { config: { auth: 'none' }, schema: { hide: true } }, async () => app.swagger());
  return app;
}
