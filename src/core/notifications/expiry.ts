import { DAY_MS } from '../clock.js';
import type { CoreDeps } from '../deps.js';
import { SYSTEM_ACTOR } from '../model.js';
import type { Repos } from '../ports.js';
import { revokeGuards } from '../tokens/revoke-guards.js';
import { revokeToken } from '../tokens/revoke.js';
import { tokenEventFacts } from '../tokens/events.js';
import { EXPIRY_NOTICE, type Log } from './model.js';
import type { ExpiringToken } from './ports.js';

export interface ExpiryScanOptions {
  /** Leads in days (PATD_EXPIRY_WARNING_DAYS). */
  leads: number[];
  /** Tokens handled per transaction. */
  batch: number;
}

export interface ScanResult {
  warned: number;
  revokedUnused: number;
}

/**
 * The periodic scan. Expiry warnings: per lead L a watermark (expires_at, id) remembers how far
 * the scan got; each run reads only tokens whose expiry falls between the watermark and now+L,
 * walking the tokens_expires index, and records `token.expired_notice` (the notification sink
 * queues the mail and webhooks). The watermark row is locked while a batch runs, so several
 * instances take turns and each (token, lead, expiry) is handled once. A token whose lifetime
 * is not longer than L never gets the warning for L; renewing moves its expiry past the
 * watermark, so it is warned again. Also revokes unused tokens per org policy.
 */
export class ExpiryScanner {
  constructor(
    private readonly d: CoreDeps,
    private readonly opts: ExpiryScanOptions,
    private readonly log: Log,
  ) {}

  async runOnce(): Promise<ScanResult> {
    const now = this.d.clock.now();
    let warned = 0;
    for (const lead of [...this.opts.leads].sort((a, b) => b - a)) warned += await this.scanLead(lead, now);
    const revokedUnused = await this.revokeUnused(now);
    return { warned, revokedUnused };
  }

  private async scanLead(lead: number, now: number): Promise<number> {
    const key = `expiry:${lead}`;
    const upper = now + lead * DAY_MS;
    let warned = 0;
    for (;;) {
      const step = await this.d.store.tx(async (r) => {
        const cur = (await r.scan.lock(key, now)) ?? { at: now, lastId: null };
        if (cur.lastId === null && cur.at >= upper) return { done: true, n: 0 };
        const batch = await r.scan.expiring(cur, upper, this.opts.batch);
        let n = 0;
        for (const t of batch) if (this.due(t, lead, now) && (await this.warn(r, t, lead))) n++;
        const last = batch[batch.length - 1];
        const done = batch.length < this.opts.batch || !last;
        await r.scan.put(key, done ? { at: upper, lastId: null } : { at: last.expiresAt, lastId: last.id }, now);
        return { done, n };
      });
      warned += step.n;
      if (step.done) return warned;
    }
  }

  /** Not for a lifetime no longer than the lead, not once expired, not when a shorter lead already applies. */
  private due(t: ExpiringToken, lead: number, now: number): boolean {
    if (t.expiresAt <= now || t.expiresAt - t.createdAt <= lead * DAY_MS) return false;
    return !this.opts.leads.some((l) => l < lead && t.expiresAt <= now + l * DAY_MS && t.expiresAt - t.createdAt > l * DAY_MS);
  }

  private async warn(r: Repos, e: ExpiringToken, lead: number): Promise<boolean> {
    const t = await r.tokens.byId(e.id);
    const owner = t ? await r.users.byId(t.userId) : null;
    if (!t || !owner || owner.disabled || t.revokedAt !== null) return false;
    const f = await tokenEventFacts(r, t);
    await this.d.events.record(r, { actor: SYSTEM_ACTOR, ip: null, userAgent: null }, this.d.clock.now(), {
      action: EXPIRY_NOTICE, targetType: 'token', targetId: t.id, subjectUserId: t.userId, orgIds: f.orgIds,
      details: { ...f.details, leadDays: lead },
    });
    return true;
  }

  /** Org policy revokeUnusedDays: revoke tokens usable in the org not used for that many days. */
  private async revokeUnused(now: number): Promise<number> {
    let n = 0;
    for (const { orgId, policy } of await this.d.store.r.scan.orgsRevokingUnused()) {
      const days = policy.revokeUnusedDays as number;
      const org = await this.d.store.r.orgs.byId(orgId);
      for (;;) {
        const ids = await this.d.store.r.scan.unusedInOrg(orgId, now - days * DAY_MS, now, 200);
        let done = 0;
        for (const id of ids) {
          const revoked = await revokeToken(this.d, id, {
            ctx: { actor: SYSTEM_ACTOR, ip: null, userAgent: null }, reason: `not used for ${days} days (policy of org "${org?.name ?? orgId}")`,
            guard: revokeGuards.operator(),
          });
          if (revoked) done++;
        }
        n += done;
        if (ids.length < 200 || done === 0) break;
      }
    }
    if (n) this.log.info({ revoked: n }, 'revoked unused tokens per org policy');
    return n;
  }
}
