import type { CoreDeps } from '../deps.js';
import { PatdError } from '../errors.js';
import { clientKey, Limiter } from '../limits/limiter.js';
import type { RequestContext } from '../model.js';
import type { TokenService } from '../tokens/service.js';
import { digestToken, isWellFormed } from '../tokens/format.js';
import { tokenEventFacts } from './facts.js';
import { LEAK_REASON } from './model.js';

export const MAX_LEAK_REPORT = 1000;

/**
 * Leaked-token reports (`POST /token-revocations`), from anyone: secret scanners, people who
 * found a token in a paste. Each real token is revoked unless a policy of an org it may be
 * used in says autoRevokeLeaked: false, and `token.leaked` is recorded (the owner is mailed,
 * webhooks fire). The caller learns nothing about which strings were real.
 */
export class LeakService {
  private readonly limiter: Limiter;

  constructor(private readonly d: CoreDeps, private readonly tokens: TokenService) {
    this.limiter = new Limiter(d.store, d.clock, 'leak-report', d.settings.limits.leakReports, 'too many leak reports from your address');
  }

  async report(ip: string | null, userAgent: string | null, secrets: string[]): Promise<void> {
    await this.limiter.take([clientKey(ip)]);
    if (secrets.length > MAX_LEAK_REPORT) throw new PatdError('validation_failed', `at most ${MAX_LEAK_REPORT} tokens per report`, { field: 'tokens' });
    const digests = [...new Set(secrets.filter((s) => typeof s === 'string' && isWellFormed(s, this.d.settings.tokenPrefix)).map(digestToken))];
    const ctx: RequestContext = { actor: { type: 'system', id: null, name: 'leak-report' }, ip, userAgent };
    for (const digest of digests) {
      const id = await this.d.store.tx(async (r) => {
        let t = await r.tokens.byDigest(digest);
        if (!t) {
          const old = await r.tokens.oldDigest(digest);
          if (old && old.validUntil > this.d.clock.now()) t = await r.tokens.byId(old.tokenId);
        }
        if (!t || t.revokedAt !== null) return null;
        const f = await tokenEventFacts(r, t);
        let auto = true;
        for (const orgId of f.orgIds) if (!(await r.policies.get(orgId)).autoRevokeLeaked) auto = false;
        if (auto) await this.tokens.revokeIn(r, ctx, t, LEAK_REASON);
        await this.d.events.record(r, ctx, this.d.clock.now(), {
          action: 'token.leaked', targetType: 'token', targetId: t.id, subjectUserId: t.userId, orgIds: f.orgIds,
          details: { ...f.details, revoked: auto },
        });
        return t.id;
      });
      if (id) this.d.verifier.invalidateToken(id);
    }
  }
}
