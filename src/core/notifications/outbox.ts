import { randomBytes } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import type { Clock } from '../clock.js';
import type { Store } from '../ports.js';
import type { Log } from './model.js';
import type { OutboxRow } from './ports.js';

export interface OutboxOptions {
  /** How often the queue is polled (a commit also wakes the worker). */
  pollMs: number;
  /**
   * How long a leased message belongs to this instance before another may take it over. Renewed
   * every third of it while the delivery runs, so it only matters after a crash: that is when a
   * message in flight is sent again (with the same Message-ID / webhook-id).
   */
  leaseMs: number;
  batch: number;
  /** Attempts before a message ends as `failed`. */
  maxAttempts: number;
  /** First retry delay; doubles per attempt up to maxBackoffMs. */
  backoffMs: number;
  maxBackoffMs: number;
  /** How long stop() lets deliveries in flight finish before it aborts them (they are retried later). */
  stopGraceMs: number;
}

export const DEFAULT_OUTBOX_OPTIONS: OutboxOptions = {
  pollMs: 1_000, leaseMs: 30_000, batch: 10, maxAttempts: 10, backoffMs: 10_000, maxBackoffMs: 3_600_000, stopGraceMs: 10_000,
};

/** A handler that throws a PermanentFailure is not retried. */
export class PermanentFailure extends Error {}

/** Delivers one message; `signal` aborts when the worker stops while the delivery is still in flight. */
export type OutboxHandler = (m: OutboxRow, signal: AbortSignal) => Promise<void>;

/**
 * Delivers outbox messages: leases due rows, hands each to the handler of its kind, marks it
 * sent, or reschedules it with exponential backoff until it ends as `failed`. Time comes from
 * the injected clock (availability, leases); only the polling cadence is a real timer.
 */
export class OutboxWorker {
  readonly name = 'outbox';
  readonly owner = `w_${randomBytes(6).toString('hex')}`;
  private timer: NodeJS.Timeout | null = null;
  private soon: NodeJS.Timeout | null = null;
  private running: Promise<number> | null = null;
  private again = false;
  private stopped = true;
  private stopping = false;
  private abort: AbortController;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly handlers: Record<string, OutboxHandler>,
    readonly opts: OutboxOptions,
    private readonly log: Log,
  ) {
    this.abort = this.stopSignal();
  }

  /** Every delivery in flight listens on it (a batch at a time, each retried batch anew): not a leak. */
  private stopSignal(): AbortController {
    const c = new AbortController();
    setMaxListeners(Math.max(10, this.opts.batch * 4), c.signal);
    return c;
  }

  start(): void {
    this.stopped = this.stopping = false;
    if (this.abort.signal.aborted) this.abort = this.stopSignal();
    this.timer ??= setInterval(() => this.kick(), this.opts.pollMs);
    this.timer.unref();
    this.kick();
  }

  async stop(): Promise<void> {
    this.stopped = this.stopping = true;
    if (this.timer) clearInterval(this.timer);
    if (this.soon) clearTimeout(this.soon);
    this.timer = this.soon = null;
    const running = this.running;
    if (!running) return;
    // A mail server that accepts and never answers must not hold up a shutdown: after the grace
    // period the deliveries in flight are aborted and rescheduled like any failed attempt.
    let grace: NodeJS.Timeout | undefined;
    const finished = await Promise.race([
      running.then(() => true),
      new Promise<false>((r) => { grace = setTimeout(() => r(false), this.opts.stopGraceMs); }),
    ]);
    clearTimeout(grace);
    if (finished) return;
    this.log.warn({ worker: this.name }, 'stopping: aborting deliveries still in flight; they will be retried');
    this.abort.abort(new Error('the outbox worker is stopping'));
    await running;
  }

  /** Something was queued: look soon (after the enqueuing transaction has most likely committed). */
  wake(): void {
    if (this.stopped || this.soon) return;
    this.soon = setTimeout(() => {
      this.soon = null;
      this.kick();
    }, 20);
    this.soon.unref();
  }

  private kick(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.drain().catch((err) => {
      this.log.error({ err, worker: this.name }, 'outbox worker failed');
      return 0;
    }).finally(() => {
      this.running = null;
      if (this.again && !this.stopped) {
        this.again = false;
        this.kick();
      }
    });
  }

  /** Delivers everything due now; returns how many messages were handled. Tests call it directly. */
  async drain(): Promise<number> {
    let total = 0;
    for (;;) {
      const n = await this.runOnce();
      total += n;
      if (n < this.opts.batch || this.stopping) break;
    }
    return total;
  }

  /** One lease-and-deliver round. */
  async runOnce(): Promise<number> {
    const now = this.clock.now();
    const rows = await this.store.tx((r) => r.outbox.lease(this.owner, now, this.opts.leaseMs, this.opts.batch));
    if (rows.length === 0) return 0;
    const inFlight = new Set(rows.map((m) => m.id));
    const renewal = this.renewWhile(inFlight);
    try {
      await Promise.all(rows.map((m) => this.deliver(m).finally(() => inFlight.delete(m.id))));
    } finally {
      clearInterval(renewal);
    }
    return rows.length;
  }

  /** Keeps the leases of the deliveries still in flight, so a slow mail server never makes another instance send them too. */
  private renewWhile(ids: Set<string>): NodeJS.Timeout {
    let busy = false;
    const timer = setInterval(() => {
      if (busy || ids.size === 0) return;
      busy = true;
      const list = [...ids];
      this.store.tx((r) => r.outbox.renew(list, this.owner, this.clock.now() + this.opts.leaseMs))
        .catch((err) => this.log.warn({ err, worker: this.name }, 'could not renew outbox leases; will try again'))
        .finally(() => {
          busy = false;
        });
    }, Math.max(20, Math.floor(this.opts.leaseMs / 3)));
    timer.unref();
    return timer;
  }

  private async deliver(m: OutboxRow): Promise<void> {
    const handler = this.handlers[m.kind];
    try {
      if (!handler) throw new PermanentFailure(`no handler for outbox kind "${m.kind}"`);
      await handler(m, this.abort.signal);
      const ok = await this.store.tx((r) => r.outbox.markSent(m.id, this.owner, this.clock.now()));
      if (!ok) this.log.warn({ msg: m.id }, 'outbox lease lost before the message was marked sent');
    } catch (e) {
      const error = e instanceof Error ? e.message : String(e);
      const now = this.clock.now();
      if (e instanceof PermanentFailure || m.attempts >= this.opts.maxAttempts) {
        await this.store.tx((r) => r.outbox.markFailed(m.id, this.owner, now, error));
        this.log.error({ msg: m.id, kind: m.kind, attempts: m.attempts, error }, 'outbox message failed for good');
      } else {
        const delay = Math.min(this.opts.maxBackoffMs, this.opts.backoffMs * 2 ** (m.attempts - 1));
        await this.store.tx((r) => r.outbox.reschedule(m.id, this.owner, now + delay, error));
        this.log.warn({ msg: m.id, kind: m.kind, attempts: m.attempts, retryInMs: delay, error }, 'outbox delivery failed; will retry');
      }
    }
  }
}
