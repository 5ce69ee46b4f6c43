import * as nodeCrypto from 'node:crypto';

type OneShotHash = (algorithm: string, data: string, encoding: 'base64') => string;
// crypto.hash (Node ≥ 20.12) is about 3× faster than createHash for short inputs.
const oneShot = (nodeCrypto as { hash?: OneShotHash }).hash;

/**
 * SHA-256 of a token (base64). Cache keys are digests so that a heap dump or a key
 * listing of the cache does not show tokens.
 */
export const tokenKey: (token: string) => string = oneShot
  ? (token) => oneShot('sha256', token, 'base64')
  : (token) => nodeCrypto.createHash('sha256').update(token).digest('base64');

interface Entry<V> {
  value: V;
  /** Epoch ms after which the entry is dead. */
  until: number;
}

/** A size-bounded map with per-entry expiry; least recently used entries go first. */
export class TtlLru<V> {
  private readonly map = new Map<string, Entry<V>>();

  constructor(private readonly maxEntries: number) {}

  get size(): number {
    return this.map.size;
  }

  /** The live value for `key` at time `now`, refreshing its recency. */
  get(key: string, now: number): V | undefined {
    const e = this.map.get(key);
    if (e === undefined) return undefined;
    if (now >= e.until) {
      this.map.delete(key);
      return undefined;
    }
    // Map iteration order is insertion order: re-inserting marks it most recently used.
    this.map.delete(key);
    this.map.set(key, e);
    return e.value;
  }

  /** Store `value` until epoch ms `until` (ignored if already past or size is 0). */
  set(key: string, value: V, until: number, now: number): void {
    if (until <= now || this.maxEntries <= 0) return;
    this.map.delete(key);
    while (this.map.size >= this.maxEntries) {
      const oldest = this.map.keys().next();
      if (oldest.done) break;
      this.map.delete(oldest.value);
    }
    this.map.set(key, { value, until });
  }

  clear(): void {
    this.map.clear();
  }
}
