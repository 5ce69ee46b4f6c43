import type { Clock } from '../clock.js';
import type { PatdError } from '../errors.js';
import type { Log } from '../notifications/model.js';
import { clientKey, type Limiter } from './limiter.js';

/**
 * Failed token checks per client IP, for the token-check hot paths (forward-auth, the git
 * host, OAuth client authentication). The hot path only reads an in-memory "blocked until"
 * map, synchronously; failures are counted in the shared store in the background (batched
 * per tick), and an IP whose window is full is blocked here until the window ends. Another
 * instance learns of the block at that IP's next failure there (the count is shared).
 * While blocked, every token check from the IP is refused, valid or not: otherwise a guesser
 * would still learn which guesses are good.
 */
export class FailureGate {
  private readonly blocked = new Map<string, number>();
  private pending = new Map<string, number>();
  private flushing: Promise<void> = Promise.resolve();
  private scheduled = false;

  constructor(private readonly limiter: Limiter, private readonly clock: Clock, private readonly log: Log) {}

  /** The refusal for a blocked IP, or null. Synchronous; free while nothing is blocked. */
  refusal(ip: string | null | undefined): PatdError | null {
    if (this.blocked.size === 0) return null;
    const key = clientKey(ip);
    const until = this.blocked.get(key);
    if (until === undefined) return null;
    const now = this.clock.now();
    if (until <= now) {
      this.blocked.delete(key);
      return null;
    }
    return this.limiter.refused(until, now);
  }

  /** Counts a failed check from `ip` (not awaited: the answer does not wait for storage). */
  failed(ip: string | null | undefined): void {
    if (this.limiter.off) return;
    const key = clientKey(ip);
    this.pending.set(key, (this.pending.get(key) ?? 0) + 1);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.flushing = this.flushing.then(() => this.flush());
    });
  }

  /** Resolves when every failure counted so far is in the store (tests, shutdown). */
  async settle(): Promise<void> {
    while (this.scheduled || this.pending.size > 0) {
      await new Promise((r) => setImmediate(r));
      await this.flushing;
    }
    await this.flushing;
  }

  private async flush(): Promise<void> {
    const batch = this.pending;
    this.pending = new Map();
    this.scheduled = false;
    for (const [key, n] of batch) {
      try {
        const until = await this.limiter.add([key], n);
        if (until > this.clock.now()) this.blocked.set(key, until);
      } catch (err) {
        this.log.error({ err }, 'could not count failed token checks');
      }
    }
    if (this.blocked.size > 10_000) {
      const now = this.clock.now();
      for (const [k, until] of this.blocked) if (until <= now) this.blocked.delete(k);
    }
  }
}
