import { type ChangeSet, commit } from '../changes.js';
import type { CoreDeps } from '../deps.js';
import { PatdError } from '../errors.js';
import type { RequestContext, Token } from '../model.js';
import type { Repos } from '../ports.js';
import { recordTokenEvent } from './events.js';

/**
 * Decides, inside the transaction and on the freshly read token, whether this revocation may
 * happen. Throws (`not_found` for tokens the caller may not know of) to refuse; guards live in
 * revoke-guards.ts.
 */
export type RevokeGuard = (t: Token, r: Repos) => Promise<void> | void;

export interface RevokeRequest {
  ctx: RequestContext;
  /** Shown on the token and in the mail ("revoked by an admin of org …"). */
  reason: string;
  guard: RevokeGuard;
  /** More writes in the same transaction (a leak event, deleting a service account); `revoked` says whether this call revoked it. */
  also?: (r: Repos, t: Token, revoked: boolean) => Promise<void>;
  /** Once, after the last token, in the same transaction (e.g. disabling the service account whose tokens these are). */
  finish?: (r: Repos, changed: ChangeSet, revoked: string[]) => Promise<void>;
}

/**
 * The one way a token is revoked: by its owner, an org admin, the operator at the CLI, a
 * resource server (RFC 7009), a leak report, the unused-token policy or the deletion of a
 * service account. In one transaction it re-reads each token, applies the guard, writes the
 * revocation and its `token.revoked` event (the notification sink queues the mail and
 * webhooks there), marks the token stale for every instance, and after the commit the local
 * cache forgets it. Revoking a revoked token changes nothing (idempotent). Returns the ids
 * this call revoked.
 */
export async function revokeTokens(d: CoreDeps, ids: readonly string[], req: RevokeRequest): Promise<string[]> {
  if (ids.length === 0 && !req.finish) return [];
  return commit(d, async (r, changed) => {
    const done: string[] = [];
    for (const id of new Set(ids)) {
      const t = /^tok_[0-9A-Za-z]{1,40}$/.test(id) ? await r.tokens.byId(id) : null;
      if (!t) throw new PatdError('not_found', 'no such token');
      await req.guard(t, r);
      const revoked = t.revokedAt === null;
      if (revoked) {
        await revokeOne(d, r, req, t);
        changed.token(t.id);
        done.push(t.id);
      }
      if (req.also) await req.also(r, t, revoked);
    }
    if (req.finish) await req.finish(r, changed, done);
    return done;
  });
}

/** Revokes one token; true when this call revoked it. */
export async function revokeToken(d: CoreDeps, id: string, req: RevokeRequest): Promise<boolean> {
  return (await revokeTokens(d, [id], req)).length > 0;
}

async function revokeOne(d: CoreDeps, r: Repos, req: RevokeRequest, t: Token): Promise<void> {
  const now = d.clock.now();
  const by = req.ctx.actor.name ?? req.ctx.actor.type;
  await r.tokens.update(t.id, { revokedAt: now, revokedBy: by, revokedReason: req.reason });
  const after: Token = { ...t, revokedAt: now, revokedBy: by, revokedReason: req.reason, version: t.version + 1 };
  const owner = await r.users.byId(t.userId);
  const a = req.ctx.actor;
  // The owner knows what they did: no "revoked by someone else" mail (see notifications/sink.ts).
  const byOwner = (a.type === 'user' || a.type === 'token') && !!owner && a.name === owner.username;
  await recordTokenEvent(d, r, req.ctx, 'token.revoked', after, { reason: req.reason, revokedBy: by, byOwner });
}
