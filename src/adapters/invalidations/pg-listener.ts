import pg from 'pg';
import type { InvalidationSubscriber } from '../../core/changes.js';
import type { Worker } from '../../core/worker.js';
import { INVALIDATION_CHANNEL } from '../storage/repos/invalidations.js';
import { applyMessage, DOWN_TTL_MS, type FeedLog } from './apply.js';

/** Shown in pg_stat_activity, so an operator (or a test) can find the connection. */
export const LISTENER_APPLICATION_NAME = 'patd-invalidations';

export interface PgListenerOptions {
  downTtlMs?: number;
  /** First reconnect delay; doubles up to maxDelayMs. */
  minDelayMs?: number;
  maxDelayMs?: number;
  /** A query on the connection this often, so a silently dead one is noticed. */
  pingMs?: number;
}

/**
 * Hears the invalidations other instances publish (NOTIFY in their transactions) on a
 * connection of its own, outside the pool: a pooled client would be handed back and stop
 * listening. When the connection dies it reconnects with backoff; until it listens again,
 * cached checks are trusted for `downTtlMs` only, and once it does, everything cached is
 * dropped, because messages sent meanwhile are lost.
 */
export function pgInvalidationListener(url: string, origin: string, target: InvalidationSubscriber, log: FeedLog, o: PgListenerOptions = {}): Worker {
  const minDelay = o.minDelayMs ?? 100;
  const maxDelay = o.maxDelayMs ?? 5_000;
  let delay = minDelay;
  let stopped = true;
  let down = false;
  let client: pg.Client | null = null;
  let retry: NodeJS.Timeout | null = null;
  let ping: NodeJS.Timeout | null = null;

  const lost = (err: unknown) => {
    if (stopped) return; // shutting down, not deaf
    target.limitTtl(o.downTtlMs ?? DOWN_TTL_MS);
    if (down) return;
    down = true;
    const e = err as { message?: string; code?: string };
    log.warn({ err: { message: e.message, code: e.code }, retryInMs: delay }, 'not hearing other instances\' invalidations; cached token checks are trusted for 1 s until the connection is back');
  };
  const schedule = () => {
    if (stopped || retry) return;
    retry = setTimeout(connect, delay);
    retry.unref();
    delay = Math.min(delay * 2, maxDelay);
  };
  async function connect(): Promise<void> {
    retry = null;
    if (stopped) return;
    const c = new pg.Client({ connectionString: url, application_name: LISTENER_APPLICATION_NAME, keepAlive: true, connectionTimeoutMillis: 5_000, query_timeout: 5_000 });
    let failed = false;
    const fail = (err: unknown) => {
      if (failed) return;
      failed = true;
      if (client === c) client = null;
      c.end().catch(() => {});
      lost(err);
      schedule();
    };
    c.on('error', fail);
    c.on('end', () => fail(new Error('the connection ended')));
    c.on('notification', (n) => {
      if (n.channel === INVALIDATION_CHANNEL && n.payload) applyMessage(n.payload, origin, target);
    });
    try {
      await c.connect();
      await c.query(`LISTEN ${INVALIDATION_CHANNEL}`);
    } catch (e) {
      return fail(e);
    }
    if (failed) return;
    if (stopped) {
      await c.end().catch(() => {});
      return;
    }
    client = c;
    delay = minDelay;
    // Whatever was published while nobody listened is lost: start again from storage.
    target.invalidateAll();
    target.limitTtl(null);
    if (down) log.info({}, 'hearing other instances\' invalidations again');
    down = false;
  }

  return {
    name: 'invalidations',
    start() {
      if (!stopped) return;
      stopped = false;
      target.limitTtl(o.downTtlMs ?? DOWN_TTL_MS);
      void connect();
      ping = setInterval(() => {
        const c = client;
        // A failed ping ends the connection; its 'end' reconnects.
        c?.query('select 1').catch(() => c.end().catch(() => {}));
      }, o.pingMs ?? 30_000);
      ping.unref();
    },
    async stop() {
      stopped = true;
      if (retry) clearTimeout(retry);
      if (ping) clearInterval(ping);
      retry = ping = null;
      const c = client;
      client = null;
      // Stopped on purpose (shutdown), not deaf: the configured TTL applies again.
      target.limitTtl(null);
      await c?.end().catch(() => {});
    },
  };
}
