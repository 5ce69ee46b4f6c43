import type { CoreDeps } from '../deps.js';
import type { Log } from '../notifications/model.js';

export interface FailureHint {
  tokenId?: string;
  userId?: string;
  ip?: string | null;
}

interface Window {
  start: number;
  suppressed: number;
  hint: FailureHint;
  code: string;
}

/**
 * Records failed token uses as `auth.failed` events, sampled: the first failure per
 * (ip, code[, token]) in a window is written at once; later ones in the same window are only
 * counted and written as one event with the count when the window closes. A flood costs at
 * most one event per key per window, and the number of keys is bounded.
 */
export class AuthFailureSampler {
  private readonly windows = new Map<string, Window>();
  private pending: Promise<unknown> = Promise.resolve();

  constructor(private readonly d: CoreDeps, private readonly log: Log, private readonly windowMs = 60_000, private readonly maxKeys = 10_000) {}

  /** The verifier's onFailure hook. Never throws, never waits. */
  readonly onFailure = (code: string, hint: FailureHint): void => {
    const now = this.d.clock.now();
    let key = `${hint.ip ?? '-'}|${code}|${hint.tokenId ?? ''}`;
    if (!this.windows.has(key) && this.windows.size >= this.maxKeys) {
      this.flush(now);
      if (this.windows.size >= this.maxKeys) key = `*|${code}|`; // one shared bucket under a flood of distinct keys
    }
    const w = this.windows.get(key);
    if (w && now - w.start < this.windowMs) {
      w.suppressed++;
      return;
    }
    if (w) this.write(w, now);
    this.windows.set(key, { start: now, suppressed: 0, hint: key.startsWith('*|') ? {} : hint, code });
    this.write({ start: now, suppressed: 0, hint, code }, now, 1);
  };

  /** Writes the counts of closed windows (run periodically and at shutdown). */
  flush(now = this.d.clock.now(), all = false): Promise<unknown> {
    for (const [k, w] of this.windows) {
      if (all || now - w.start >= this.windowMs) {
        this.write(w, now);
        this.windows.delete(k);
      }
    }
    return this.pending;
  }

  private write(w: Window, now: number, count = w.suppressed): void {
    if (count === 0) return;
    const first = count === 1 && w.suppressed === 0 && now === w.start;
    const details = { code: w.code, count, windowStart: new Date(w.start).toISOString(), sampled: !first };
    this.pending = this.pending.then(() => this.d.store.tx(async (r) => {
      const t = w.hint.tokenId ? await r.tokens.byId(w.hint.tokenId) : null;
      await this.d.events.record(r, { actor: { type: 'anonymous', id: null, name: null }, ip: w.hint.ip ?? null, userAgent: null }, now, {
        action: 'auth.failed', targetType: t ? 'token' : null, targetId: t?.id ?? null, subjectUserId: t?.userId ?? null, details,
      });
    })).catch((err) => this.log.error({ err }, 'could not record a failed token use'));
  }
}
