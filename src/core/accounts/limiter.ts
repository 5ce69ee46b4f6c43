import type { Clock } from '../clock.js';
import { PatdError } from '../errors.js';

/** Fixed-window counters kept in memory (per instance). */
export class WindowLimiter {
  private readonly hits = new Map<string, { start: number; n: number }>();
  constructor(private readonly clock: Clock, private readonly max: number, private readonly windowMs: number) {}

  /** Counts one attempt for `key`; throws rate_limited once the window is full. */
  hit(key: string): void {
    const now = this.clock.now();
    let w = this.hits.get(key);
    if (!w || now - w.start >= this.windowMs) {
      w = { start: now, n: 0 };
      this.hits.set(key, w);
      if (this.hits.size > 50_000) this.prune(now);
    }
    if (w.n >= this.max) {
      const retryAfter = Math.max(1, Math.ceil((w.start + this.windowMs - now) / 1000));
      throw new PatdError('rate_limited', `too many attempts; try again in ${retryAfter} seconds`, { retryAfter });
    }
    w.n++;
  }

  reset(key: string): void {
    this.hits.delete(key);
  }

  private prune(now: number): void {
    for (const [k, w] of this.hits) if (now - w.start >= this.windowMs) this.hits.delete(k);
  }
}
