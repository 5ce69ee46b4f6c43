import type { ActiveResult } from './types.js';

const LEVELS: Record<string, readonly string[]> = {
  manage: ['manage', 'write', 'read'],
  write: ['write', 'read'],
  execute: ['execute', 'read'],
};

/** Does one granted scope include `required`? Implication per patd's default catalog. */
function implies(granted: string, required: string): boolean {
  if (granted === required || granted === '*') return true;
  const g = granted.lastIndexOf(':');
  const r = required.lastIndexOf(':');
  if (g <= 0 || r <= 0 || granted.slice(0, g) !== required.slice(0, r)) return false;
  const gLevel = granted.slice(g + 1);
  const rLevel = required.slice(r + 1);
  // build:execute ⊇ build:read is the one "execute" rule of the catalog.
  if (gLevel === 'execute' && granted.slice(0, g) !== 'build') return false;
  return LEVELS[gLevel]?.includes(rLevel) ?? false;
}

/**
 * Whether the `granted` scopes satisfy `required`, with patd's implication rules:
 * `X:manage` ⊇ `X:write` ⊇ `X:read`, `build:execute` ⊇ `build:read`, `*` ⊇ everything.
 * Custom operator scopes only match exactly (their `implies` lists live in patd).
 *
 * @example
 * ```ts
 * hasScope(['code:manage'], 'code:read'); // true
 * hasScope(['build:execute'], 'build:read'); // true
 * hasScope(['code:read'], 'code:write'); // false
 * hasScope(['*'], 'audit:read'); // true
 * ```
 */
export function hasScope(granted: readonly string[], required: string): boolean {
  for (const g of granted) if (implies(g, required)) return true;
  return false;
}

/**
 * Whether an active token may be used in `org`: patd lists the org names a token is usable
 * in right now (for a global token, its owner's current orgs), so this is exact. An answer
 * with `orgs: "*"` (from a server that does not expand global tokens) passes for any org.
 *
 * @example
 * ```ts
 * const r = await verifier.verify(token);
 * if (r.active && inOrg(r, 'acme')) { ... }
 * ```
 */
export function inOrg(result: Pick<ActiveResult, 'orgs'>, org: string): boolean {
  return result.orgs === '*' || result.orgs.includes(org);
}
