import { WindowLimiter } from '../accounts/limiter.js';
import type { CoreDeps } from '../deps.js';
import { PatdError } from '../errors.js';
import type { RequestContext, Token } from '../model.js';
import type { Repos } from '../ports.js';
import { revokeGuards } from '../tokens/revoke-guards.js';
import { revokeToken } from '../tokens/revoke.js';
import { digestToken, isWellFormed } from '../tokens/format.js';
import { tokenEventFacts } from '../tokens/events.js';
import { LEAK_REASON } from './model.js';

export const MAX_LEAK_REPORT = 1000;

/**
 * Leaked-token reports (`POST /token-revocations`), from anyone: secret scanners, people who
 * found a token in a paste. Each real token is revoked unless a policy of an org it may be
 * used in says autoRevokeLeaked: false, and `token.leaked` is recorded (the owner is mailed,
 * webhooks fire). The caller learns nothing about which strings were real.
 */
export class LeakService {
  private readonly limiter: WindowLimiter;

  constructor(private readonly d: CoreDeps, limit: { perIp: number; windowMs: number }) {
    this.limiter = new WindowLimiter(d.clock, limit.perIp, limit.windowMs);
  }

  async report(ip: string | null, userAgent: string | null, secrets: string[]): Promise<void> {
    this.limiter.hit(`leak:${ip ?? '-'}`);
    if (secrets.length > MAX_LEAK_REPORT) throw new PatdError('validation_failed', `at most ${MAX_LEAK_REPORT} tokens per report`, { field: 'tokens' });
    const digests = [...new Set(secrets.filter((s) => typeof s === 'string' && isWellFormed(s, this.d.settings.tokenPrefix)).map(digestToken))];
    const ctx: RequestContext = { actor: { type: 'system', id: null, name: 'leak-report' }, ip, userAgent };
    for (const digest of digests) await this.handle(digest, ctx);
  }

  /** One reported secret: revoke (unless an org's policy says not to) and record `token.leaked`. */
  private async handle(digest: string, ctx: RequestContext): Promise<void> {
    const r0 = this.d.store.r;
    let t = await r0.tokens.byDigest(digest);
    if (!t) {
      const old = await r0.tokens.oldDigest(digest);
      if (old && old.validUntil > this.d.clock.now()) t = await r0.tokens.byId(old.tokenId);
    }
    if (!t || t.revokedAt !== null) return;
    const leaked = async (r: Repos, tok: Token, revoked: boolean) => {
      const f = await tokenEventFacts(r, tok);
      await this.d.events.record(r, ctx, this.d.clock.now(), {
        action: 'token.leaked', targetType: 'token', targetId: tok.id, subjectUserId: tok.userId, orgIds: f.orgIds, details: { ...f.details, revoked },
      });
    };
    let auto = true;
    for (const orgId of (await tokenEventFacts(r0, t)).orgIds) if (!(await r0.policies.get(orgId)).autoRevokeLeaked) auto = false;
    if (!auto) {
      await this.d.store.tx((r) => leaked(r, t, false));
      return;
    }
    await revokeToken(this.d, t.id, {
      ctx, reason: LEAK_REASON, guard: revokeGuards.holder(t.id),
      also: async (r, tok, revoked) => {
        if (revoked) await leaked(r, tok, true);
      },
    });
  }
}
