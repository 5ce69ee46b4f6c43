import type { Clock } from '../clock.js';
import { PatdError } from '../errors.js';
import { sha256Hex } from '../ids.js';
import type { Store } from '../ports.js';

/** At most `max` in `windowMs`; `max` 0 turns the limit off. */
export interface Rate {
  max: number;
  windowMs: number;
}

/**
 * The client part of a rate-limit key. IPv6 clients are counted by their /64 (one subscriber
 * usually holds a whole /64, so per-address limits would not hold); IPv4-mapped addresses as
 * the IPv4 address they are.
 */
export function clientKey(ip: string | null | undefined): string {
  if (!ip) return '-';
  if (!ip.includes(':')) return ip;
  const bare = ip.replace(/%.*$/, '').toLowerCase();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(bare);
  if (mapped?.[1]) return mapped[1];
  const [head = '', tail] = bare.split('::');
  const h = head ? head.split(':') : [];
  const t = tail === undefined ? [] : tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array<string>(Math.max(0, 8 - h.length - t.length)).fill('0'), ...t];
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, '')).join(':')}::/64`;
}

/**
 * A fixed-window limit kept in the database, so that every instance counts into the same
 * window. Keys are digests of what is counted (usernames and addresses are not stored).
 */
export class Limiter {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    readonly name: string,
    readonly rate: Rate,
    /** What a refusal says, before "try again in N seconds". */
    private readonly refusal = 'too many attempts',
  ) {}

  get off(): boolean {
    return this.rate.max <= 0;
  }

  /** Counts one attempt; throws rate_limited when it is more than the limit allows. */
  async take(parts: string[]): Promise<void> {
    if (this.off) return;
    const now = this.clock.now();
    const w = await this.store.r.rateLimits.add(this.key(parts), 1, now, this.rate.windowMs);
    if (w.count > this.rate.max) throw this.refused(w.resetAt, now);
  }

  /**
   * Adds `n` and returns until when the key is blocked (its window is full), or 0. For counts
   * made after the fact, where the next request is the one refused.
   */
  async add(parts: string[], n: number): Promise<number> {
    if (this.off) return 0;
    const now = this.clock.now();
    const w = await this.store.r.rateLimits.add(this.key(parts), n, now, this.rate.windowMs);
    return w.count >= this.rate.max ? w.resetAt : 0;
  }

  /** Gives back an attempt that `take` counted and that turned out not to count (a success). */
  async refund(parts: string[]): Promise<void> {
    if (!this.off) await this.store.r.rateLimits.refund(this.key(parts), this.clock.now());
  }

  async reset(parts: string[]): Promise<void> {
    if (!this.off) await this.store.r.rateLimits.delete(this.key(parts));
  }

  refused(resetAt: number, now = this.clock.now()): PatdError {
    const retryAfter = Math.max(1, Math.ceil((resetAt - now) / 1000));
    return new PatdError('rate_limited', `${this.refusal}; try again in ${retryAfter} seconds`, { retryAfter });
  }

  private key(parts: string[]): string {
    return `${this.name}:${sha256Hex(parts.join('\n')).slice(0, 40)}`;
  }
}
