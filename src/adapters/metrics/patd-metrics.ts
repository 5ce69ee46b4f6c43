import { collectDefaultMetrics, Registry } from 'prom-client';
import type { OutboxWorker } from '../../core/notifications/outbox.js';
import type { TokenVerifier } from '../../core/tokens/verify.js';
import { type Collectable, FastCounter, FastHistogram, ScrapedMetric } from './fast.js';

/** Where the scrape-time figures come from (each optional: the HTTP app alone has none of them). */
export interface MetricSources {
  verifier?: TokenVerifier;
  outbox?: { worker: OutboxWorker; backlog(): Promise<{ waiting: number; oldestCreatedAt: number | null; failed: number }>; now(): number };
  pool?: { totalCount: number; idleCount: number; waitingCount: number };
}

/** Records one finished request of a route: method, status and seconds. */
export type RouteRecorder = (method: string, status: number, seconds: number) => void;

const HTTP_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const DELIVERY_BUCKETS = [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600];

/**
 * patd's Prometheus metrics (docs/metrics.md), one registry per app. Request figures are
 * recorded per route through pre-resolved children; token checks, the verifier cache and
 * invalidations are plain counters in the verifier, the outbox backlog and the pool are read
 * at scrape time.
 */
export class PatdMetrics {
  readonly registry = new Registry();
  private readonly requests = new FastCounter('patd_http_requests_total', 'HTTP requests by route, method and status', ['route', 'method', 'status']);
  private readonly duration = new FastHistogram('patd_http_request_duration_seconds', 'Time to answer an HTTP request, by route and method', ['route', 'method'], HTTP_BUCKETS);
  private readonly hot = new FastCounter('patd_http_hot_path_total', 'Requests answered on the hot path (a cached token check, before the framework), by route; also counted in patd_http_requests_total', ['route']);
  private readonly deliveries = new FastHistogram('patd_outbox_delivery_latency_seconds', 'From a message being queued to its delivery, by kind (mail, webhook)', ['kind'], DELIVERY_BUCKETS);
  private readonly deliveryFailures = new FastCounter('patd_outbox_delivery_failures_total', 'Failed delivery attempts by kind; final="true" when the message is given up', ['kind', 'final']);

  constructor(private readonly s: MetricSources = {}) {
    collectDefaultMetrics({ register: this.registry });
    const own: Collectable[] = [this.requests, this.duration, this.hot, this.deliveries, this.deliveryFailures, ...this.scraped()];
    for (const m of own) this.registry.registerMetric(m as never);
    const worker = s.outbox?.worker;
    if (worker) {
      const byKind = new Map<string, { observe(v: number): void }>();
      worker.observer = {
        sent: (kind, ms) => {
          let h = byKind.get(kind);
          if (!h) byKind.set(kind, (h = this.deliveries.child(kind)));
          h.observe(ms / 1000);
        },
        failed: (kind, final) => this.deliveryFailures.child(kind, String(final)).inc(),
      };
    }
  }

  /** A recorder for one route: its label children are made once per method and status. */
  route(url: string): RouteRecorder {
    const byMethod = new Map<string, { duration: { observe(v: number): void }; byStatus: Map<number, { inc(): void }> }>();
    return (method, status, seconds) => {
      let m = byMethod.get(method);
      if (!m) byMethod.set(method, (m = { duration: this.duration.child(url, method), byStatus: new Map() }));
      let c = m.byStatus.get(status);
      if (!c) m.byStatus.set(status, (c = this.requests.child(url, method, String(status))));
      c.inc();
      m.duration.observe(seconds);
    };
  }

  /** Counts one hot-path answer of a route (hot-path.ts). */
  hotRoute(url: string): () => void {
    const c = this.hot.child(url);
    return () => c.inc();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }

  private scraped(): Collectable[] {
    const { verifier: v, outbox, pool } = this.s;
    const out: Collectable[] = [];
    if (v) {
      out.push(
        new ScrapedMetric('patd_token_checks_total', 'Token checks by outcome: ok, or the refusal code (token_invalid, token_revoked, insufficient_scope …)', 'counter', () => [
          { labels: { outcome: 'ok' }, value: v.counts.ok },
          ...[...v.counts.refusals].map(([outcome, value]) => ({ labels: { outcome }, value })),
        ]),
        new ScrapedMetric('patd_verifier_cache_lookups_total', 'Verifier cache look-ups: hit, negative_hit (a known unknown digest) or miss (storage is asked)', 'counter', () => [
          { labels: { result: 'hit' }, value: v.counts.hits },
          { labels: { result: 'negative_hit' }, value: v.counts.negativeHits },
          { labels: { result: 'miss' }, value: v.counts.misses },
        ]),
        new ScrapedMetric('patd_verifier_cache_entries', 'Verified tokens held in the cache', 'gauge', () => [{ labels: {}, value: v.stats().entries }]),
        new ScrapedMetric('patd_verifier_negative_cache_entries', 'Unknown digests held in the negative cache', 'gauge', () => [{ labels: {}, value: v.stats().misses }]),
        new ScrapedMetric('patd_verifier_invalidations_total', "Invalidations applied: local (this instance's changes) or remote (heard from other instances)", 'counter', () => [
          { labels: { source: 'local' }, value: v.counts.invalidations.local },
          { labels: { source: 'remote' }, value: v.counts.invalidations.remote },
        ]),
      );
    }
    if (outbox) {
      // One storage read per scrape, shared by the three gauges.
      let pending: Promise<{ waiting: number; oldestCreatedAt: number | null; failed: number }> | null = null;
      const backlog = () => {
        pending ??= outbox.backlog().finally(() => setTimeout(() => { pending = null; }, 1000).unref());
        return pending;
      };
      out.push(
        new ScrapedMetric('patd_outbox_backlog', 'Messages (mail, webhook deliveries) waiting to be sent', 'gauge', async () => [{ labels: {}, value: (await backlog()).waiting }]),
        new ScrapedMetric('patd_outbox_oldest_age_seconds', 'Age of the oldest message still waiting (0 when none)', 'gauge', async () => {
          const b = await backlog();
          return [{ labels: {}, value: b.oldestCreatedAt === null ? 0 : Math.max(0, (outbox.now() - b.oldestCreatedAt) / 1000) }];
        }),
        new ScrapedMetric('patd_outbox_failed', 'Messages given up after their last attempt (an admin can retry them)', 'gauge', async () => [{ labels: {}, value: (await backlog()).failed }]),
      );
    }
    if (pool) {
      out.push(
        new ScrapedMetric('patd_db_pool_connections', 'PostgreSQL pool connections by state (in_use, idle)', 'gauge', () => [
          { labels: { state: 'in_use' }, value: pool.totalCount - pool.idleCount },
          { labels: { state: 'idle' }, value: pool.idleCount },
        ]),
        new ScrapedMetric('patd_db_pool_waiting', 'Requests waiting for a PostgreSQL pool connection', 'gauge', () => [{ labels: {}, value: pool.waitingCount }]),
      );
    }
    return out;
  }
}
