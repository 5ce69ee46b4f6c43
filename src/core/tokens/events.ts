import type { CoreDeps } from '../deps.js';
import type { RequestContext, Token } from '../model.js';
import type { Repos } from '../ports.js';

/**
 * What a token event records about a token, and the orgs whose audit it belongs in: the orgs
 * the token may be used in now (a global token: every org the owner belongs to). Never the
 * secret or its digest.
 */
export async function tokenEventFacts(r: Repos, t: Token): Promise<{ orgIds: string[]; details: Record<string, unknown> }> {
  const mine = await r.members.listForUser(t.userId);
  const usable = t.orgIds === null ? mine : mine.filter((m) => t.orgIds?.includes(m.orgId));
  const names = t.orgIds === null ? null : (await r.orgs.byIds(t.orgIds)).map((o) => o.name).sort();
  return {
    orgIds: usable.map((m) => m.orgId),
    details: {
      name: t.name, hint: t.hint, scopes: t.scopes, orgs: names ?? '*', expiresAt: new Date(t.expiresAt).toISOString(),
      createdVia: t.createdVia, clientName: t.clientName, version: t.version,
    },
  };
}

/** Records a token event (audit, and through the sinks its mail and webhooks) in the caller's transaction. */
export async function recordTokenEvent(
  d: Pick<CoreDeps, 'events' | 'clock'>, r: Repos, ctx: RequestContext, action: string, t: Token, extra: Record<string, unknown> = {},
): Promise<void> {
  const f = await tokenEventFacts(r, t);
  await d.events.record(r, ctx, d.clock.now(), {
    action, targetType: 'token', targetId: t.id, subjectUserId: t.userId, orgIds: f.orgIds, details: { ...f.details, ...extra },
  });
}
