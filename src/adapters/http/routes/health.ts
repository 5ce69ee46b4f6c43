import type { FastifyPluginAsync } from 'fastify';
import { collectDefaultMetrics, Counter, Registry } from 'prom-client';
import type { AppDeps } from '../deps.js';

export const metricsRegistry = new Registry();
collectDefaultMetrics({ register: metricsRegistry });
export const httpRequests = new Counter({
  name: 'patd_http_requests_total', help: 'HTTP requests by route and status', labelNames: ['route', 'status'] as const, registers: [metricsRegistry],
});

export const healthRoutes = (deps: AppDeps): FastifyPluginAsync => async (app) => {
  app.addHook('onResponse', async (req, reply) => {
    httpRequests.inc({ route: req.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) });
  });
  const hide = { hide: true };
  app.get('/healthz', { config: { auth: 'none' }, schema: hide }, async () => ({ status: 'ok' }));
  app.get('/readyz', { config: { auth: 'none' }, schema: hide }, async (_req, reply) => {
    try {
      await deps.ready();
      return { status: 'ready' };
    } catch {
      return reply.code(503).send({ status: 'not ready' });
    }
  });
  app.get('/metrics', { config: { auth: 'none' }, schema: hide }, async (_req, reply) => {
    reply.type(metricsRegistry.contentType);
    return metricsRegistry.metrics();
  });
};
