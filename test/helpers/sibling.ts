import { Writable } from 'node:stream';
import { makeLogger } from '../../src/adapters/logger.js';
import { loadConfig } from '../../src/config.js';
import { createPatd, type Overrides, type Patd } from '../../src/server.js';
import type { TestPatd } from './harness.js';

/**
 * A second patd instance on the same database and the same ManualClock as `p` (what two
 * replicas behind a load balancer look like), or `o.clock`. `env` overrides its configuration,
 * `o` its wiring (e.g. notification timings).
 */
export async function startSibling(p: TestPatd, env: Record<string, string> = {}, o: Overrides = {}): Promise<Patd> {
  const config = loadConfig({
    PATD_DATA_DIR: p.db.dataDir, PATD_DATABASE_URL: p.db.url, PATD_PORT: '0', PATD_LOG_LEVEL: 'warn',
    PATD_SECRET: 'test-secret-test-secret-test-secret-0123', ...env,
  });
  const sink = new Writable({ write(_c, _e, cb) { cb(); } });
  return createPatd(config, { ...o, clock: o.clock ?? p.clock, logger: makeLogger('warn', sink) });
}

/** Listens on a loopback port (random unless given) and returns the base URL. */
export async function listen(p: Pick<Patd, 'app'>, port = 0): Promise<string> {
  return p.app.listen({ port, host: '127.0.0.1' });
}
