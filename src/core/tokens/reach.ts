import { PatdError } from '../errors.js';
import type { Caller, Token } from '../model.js';
import type { ScopeCatalog } from '../scopes/catalog.js';
import type { TokenShape } from '../policies/token-use.js';

/**
 * A change made with a PAT never reaches past that PAT: what it creates, edits or regenerates
 * (another token or itself) may hold no scope, no org and no later expiry than the calling
 * token has. Sessions and the operator (no calling token) are not bounded here.
 * `names` maps org ids to names for the refusal's wording.
 */
export function checkWithinCaller(catalog: ScopeCatalog, caller: Caller, t: TokenShape, names: ReadonlyMap<string, string>, what = 'the token'): void {
  const via = caller.token;
  if (!via) return;
  // A secret kept alive only for a rollover must not mint the token's new secret or any other.
  if (caller.replacedSecret) throw new PatdError('beyond_token', 'this secret was replaced by a regenerate and only works until its grace period ends; it cannot create or change tokens', { field: 'token' });
  const why = withinToken(catalog, via, t, names);
  if (why) throw new PatdError('beyond_token', `${what} would reach past the token used for this call: ${why.detail}`, { field: why.field });
}

/** Why `t` is not within `via`, or null when it is. */
export function withinToken(catalog: ScopeCatalog, via: Token, t: TokenShape, names: ReadonlyMap<string, string>): { field: string; detail: string } | null {
  for (const s of t.scopes) {
    if (!catalog.grants(via.scopes, s)) return { field: 'scopes', detail: `it does not have the scope "${s}"` };
  }
  if (via.orgIds !== null) {
    if (t.orgIds === null) return { field: 'orgs', detail: 'it is limited to some orgs, so it cannot reach all orgs ("*")' };
    const outside = t.orgIds.find((o) => !via.orgIds?.includes(o));
    if (outside) return { field: 'orgs', detail: `it may not be used in org "${names.get(outside) ?? outside}"` };
  }
  if (t.expiresAt > via.expiresAt) {
    return { field: 'expiresAt', detail: `it expires at ${new Date(via.expiresAt).toISOString()}` };
  }
  return null;
}
