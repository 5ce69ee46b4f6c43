import type { FastifyPluginAsync } from 'fastify';
import { PatdError } from '../../../core/errors.js';
import { constantTimeEqual } from '../../../core/ids.js';
import type { PatdMetrics } from '../../metrics/patd-metrics.js';
import { sendProblem } from '../problem.js';
import type { AppDeps } from '../deps.js';

export const healthRoutes = (deps: AppDeps, metrics: PatdMetrics): FastifyPluginAsync => async (app) => {
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
  // Behind a bearer token when PATD_METRICS_TOKEN is set (docs/metrics.md).
  const token = deps.http.metricsToken ?? null;
  app.get('/metrics', { config: { auth: 'none' }, schema: hide }, async (req, reply) => {
    if (token !== null) {
      const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
      if (!m?.[1] || !constantTimeEqual(m[1], token)) {
        return sendProblem(reply, new PatdError('unauthenticated', 'send the metrics token (PATD_METRICS_TOKEN) as a Bearer token'));
      }
    }
    reply.type(metrics.contentType).header('cache-control', 'no-store');
    return metrics.render();
  });
};
