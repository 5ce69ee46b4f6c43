import { PatdError } from '../errors.js';
import type { Caller, Token, User } from '../model.js';
import { type OrgAccess, requireRole } from '../orgs/access.js';
import type { Repos } from '../ports.js';
import type { ScopeCatalog } from '../scopes/catalog.js';
import { withinToken } from './reach.js';
import type { RevokeGuard } from './revoke.js';

const notFound = () => new PatdError('not_found', 'no such token');

/** Whether a token is usable in an org: limited to it, or a global token of one of its members (service accounts included). */
export async function usableInOrg(r: Repos, orgId: string, t: Token): Promise<boolean> {
  return t.orgIds === null ? !!(await r.members.get(orgId, t.userId)) : t.orgIds.includes(orgId);
}

/**
 * Who may revoke what. Each guard runs inside the revocation's transaction on the token as it
 * is now; a token the caller may not know of is "not found".
 */
export const revokeGuards = {
  /**
   * The owner: with a session, any of their tokens; with a PAT, the PAT itself or a token
   * within its reach (a change made with a PAT never reaches past it).
   */
  owner(catalog: ScopeCatalog, caller: Caller): RevokeGuard {
    return async (t, r) => {
      if (t.userId !== caller.user.id) throw notFound();
      const via = caller.token;
      if (via && via.id !== t.id && caller.replacedSecret) {
        throw new PatdError('beyond_token', 'this secret was replaced by a regenerate; it may only revoke its own token', { field: 'token' });
      }
      if (via && via.id !== t.id) {
        const why = withinToken(catalog, via, t, await orgNames(r, t));
        if (why) throw new PatdError('beyond_token', `this token would reach past the token used for this call: ${why.detail}`, { field: 'token' });
      }
    };
  },

  /** Whoever holds the token's secret (RFC 7009, DELETE /tokens/self, leak reports). */
  holder(tokenId: string): RevokeGuard {
    return (t) => {
      if (t.id !== tokenId) throw notFound();
    };
  },

  /** An org admin: tokens usable in that org (limited to it, or global tokens of its members, service accounts' included). */
  orgAdmin(a: OrgAccess, caller: Caller): RevokeGuard {
    requireRole(a, caller, 'admin');
    const orgId = a.org.id;
    return async (t, r) => {
      if (!(await usableInOrg(r, orgId, t))) throw notFound();
    };
  },

  /** An org admin managing a service account of that org: its tokens. */
  serviceAccount(a: OrgAccess, caller: Caller, account: User): RevokeGuard {
    requireRole(a, caller, 'admin');
    return (t) => {
      if (account.serviceOrgId !== a.org.id || t.userId !== account.id) throw notFound();
    };
  },

  /** The operator (CLI) and patd itself (policies): any token. */
  operator(): RevokeGuard {
    return () => {};
  },
};

async function orgNames(r: Repos, t: Token): Promise<Map<string, string>> {
  return new Map((await r.orgs.byIds(t.orgIds ?? [])).map((o) => [o.id, o.name] as const));
}
