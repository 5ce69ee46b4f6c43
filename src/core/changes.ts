import type { Repos, Store } from './ports.js';

/**
 * What a committed change made stale in token checks. Every instance drops the cached
 * verifications that depend on any of these (docs/architecture.md, "Invalidation").
 */
export interface Invalidation {
  tokens: string[];
  users: string[];
  orgs: string[];
}

export const isEmptyInvalidation = (i: Invalidation) => i.tokens.length === 0 && i.users.length === 0 && i.orgs.length === 0;

/** Whatever caches token checks: told after a change commits (here) or when another instance's change arrives. */
export interface InvalidationTarget {
  invalidate(i: Invalidation): void;
}

/**
 * What a cross-instance transport (an adapter: LISTEN/NOTIFY, the SQLite change log) drives:
 * what other instances changed, everything when messages may have been missed, and a short
 * TTL while it cannot hear them.
 */
export interface InvalidationSubscriber extends InvalidationTarget {
  invalidateAll(): void;
  /** Trust cached checks for at most `ms` (null: the configured TTL again). */
  limitTtl(ms: number | null): void;
}

/** Collects what a use case's transaction makes stale. */
export class ChangeSet {
  private readonly t = new Set<string>();
  private readonly u = new Set<string>();
  private readonly o = new Set<string>();

  token(id: string): this {
    this.t.add(id);
    return this;
  }
  user(id: string): this {
    this.u.add(id);
    return this;
  }
  org(id: string): this {
    this.o.add(id);
    return this;
  }
  toInvalidation(): Invalidation {
    return { tokens: [...this.t], users: [...this.u], orgs: [...this.o] };
  }
}

/**
 * Runs a use case's writes in one transaction. What `fn` marks stale in the ChangeSet is
 * published inside the same transaction (so other instances hear of it exactly when it
 * commits, and never of a change that rolled back) and dropped from this instance's cache
 * right after the commit. A use case that changes what a token may do goes through here, so
 * no caller can forget the invalidation.
 */
export async function commit<T>(
  d: { store: Store; verifier: InvalidationTarget },
  fn: (r: Repos, changed: ChangeSet) => Promise<T>,
): Promise<T> {
  const changed = new ChangeSet();
  const out = await d.store.tx(async (r) => {
    const v = await fn(r, changed);
    const inv = changed.toInvalidation();
    if (!isEmptyInvalidation(inv)) await r.invalidations.publish(inv);
    return v;
  });
  const inv = changed.toInvalidation();
  if (!isEmptyInvalidation(inv)) d.verifier.invalidate(inv);
  return out;
}
