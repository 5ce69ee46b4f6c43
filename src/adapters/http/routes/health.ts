import type { FastifyPluginAsync } from 'fastify';
import { collectDefaultMetrics, Counter, Registry } from 'prom-client';
import type { AppDeps } from '../deps.js';

export const metricsRegistry = new Registry();
collectDefaultMetrics({ register: metricsRegistry });
export const httpRequests = new Counter({
  name: 'patd_http_requests_total', help: 'HTTP requests by route and status', labelNames: ['route', 'status'] as const, registers: [metricsRegistry],
});

const counters = new Map<string, Map<number, { inc(): void }>>();

/** Counts a finished request; label children are cached, so the hot path does no label hashing. */
export function countRequest(route: string | undefined, status: number): void {
  const r = route ?? 'unmatched';
  let byStatus = counters.get(r);
  if (!byStatus) counters.set(r, (byStatus = new Map()));
  let c = byStatus.get(status);
  if (!c) byStatus.set(status, (c = httpRequests.labels(r, String(status))));
  c.inc();
}

export const healthRoutes = (deps: AppDeps): FastifyPluginAsync => async (app) => {
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
