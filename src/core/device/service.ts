import { randomInt } from 'node:crypto';
import type { CoreDeps } from '../deps.js';
import { PatdError } from '../errors.js';
import { newId, randomSecret, sha256Hex } from '../ids.js';
import type { Caller, RequestContext } from '../model.js';
import { contextOf } from '../model.js';
import { memberOrgFacts, reachOf } from '../policies/facts.js';
import { checkSettings } from '../policies/token-use.js';
import { DEFAULT_DAYS, resolveExpiry } from '../tokens/expiry.js';
import type { TokenService } from '../tokens/service.js';
import { checkName, checkSlug } from '../validate.js';
import { clientKey, Limiter } from '../limits/limiter.js';
import type { DeviceGrant, DeviceGrantRepo } from './model.js';

/** 20 consonants: no vowels (no words), no look-alikes such as 0/O or 1/I. */
export const USER_CODE_ALPHABET = 'BCDFGHJKLMNPQRSTVWXZ';

export interface DeviceSettings {
  /** Seconds a device_code lives (RFC 8628 expires_in). */
  expiresIn: number;
  /** Minimum seconds between polls (RFC 8628 interval). */
  interval: number;
}

export const DEFAULT_DEVICE_SETTINGS: DeviceSettings = { expiresIn: 600, interval: 5 };

export interface StartInput {
  clientId: string;
  scope: string;
  tokenName?: string;
  orgs?: string;
  expiresInDays?: number;
}

export interface Started {
  deviceCode: string;
  userCode: string;
  expiresIn: number;
  interval: number;
}

/** What the person approving sees. */
export interface DeviceRequestView {
  userCode: string;
  clientName: string;
  tokenName: string;
  scopes: { id: string; description: string }[];
  orgs: string[] | '*';
  expiresInDays: number;
  requestedAt: string;
  /** Where the device asked from: shown so a person can spot a request that is not theirs (RFC 8628 §5.4). */
  requestedFrom: { ip: string | null; userAgent: string | null };
  expiresAt: string;
  status: 'pending';
}

export type PollResult =
  | { ok: true; accessToken: string; tokenId: string; expiresIn: number; scope: string }
  | { ok: false; error: 'authorization_pending' | 'slow_down' | 'access_denied' | 'expired_token' | 'invalid_grant'; description: string; interval?: number };

export const formatUserCode = (c: string) => `${c.slice(0, 4)}-${c.slice(4)}`;
/** Accepts "bcdf-ghjk", "BCDFGHJK", "BCDF GHJK". */
export const normalizeUserCode = (c: string) => c.toUpperCase().replace(/[^A-Z]/g, '');

/**
 * RFC 8628 device authorization: a client (git-credential-patd, `patd login`) asks for a
 * token, a signed-in person approves it on /device, the client's poll receives a new PAT.
 * The device_code is a secret and stored only as a digest; the PAT is created at the first
 * poll after approval, and the grant is consumed by a compare-and-set so it is issued once.
 */
export class DeviceService {
  private readonly starts: Limiter;
  private readonly codes: Limiter;

  constructor(private readonly d: CoreDeps, private readonly tokens: TokenService, private readonly s: DeviceSettings = DEFAULT_DEVICE_SETTINGS) {
    this.starts = new Limiter(d.store, d.clock, 'device-start', d.settings.limits.deviceStart, 'too many device sign-ins started from your address');
    this.codes = new Limiter(d.store, d.clock, 'device-code', d.settings.limits.deviceCodes, 'too many wrong codes from your address');
  }

  async start(input: StartInput, ctx: RequestContext): Promise<Started> {
    await this.starts.take([clientKey(ctx.ip)]);
    const clientId = checkName('client_id', input.clientId);
    const scopes = this.d.catalog.normalize((input.scope ?? '').split(/[\s,]+/).filter(Boolean));
    const tokenName = checkName('token_name', input.tokenName?.trim() || clientId);
    const orgs = parseOrgList(input.orgs);
    if (input.expiresInDays !== undefined) resolveExpiry({ expiresInDays: input.expiresInDays }, this.d.clock.now(), this.d.settings.maxTokenDays);
    const now = this.d.clock.now();
    const deviceCode = randomSecret(32);
    for (let attempt = 0; ; attempt++) {
      const userCode = Array.from({ length: 8 }, () => USER_CODE_ALPHABET[randomInt(USER_CODE_ALPHABET.length)]).join('');
      const g: DeviceGrant = {
        id: newId('dev'), deviceDigest: sha256Hex(deviceCode), userCode, clientId, scopes, tokenName, orgs,
        expiresInDays: input.expiresInDays ?? null, createdAt: now, expiresAt: now + this.s.expiresIn * 1000,
        intervalSeconds: this.s.interval, lastPollAt: null, status: 'pending', userId: null, decidedAt: null, tokenId: null,
        ip: ctx.ip, userAgent: ctx.userAgent,
      };
      try {
        await this.d.store.tx((r) => r.deviceGrants.insert(g));
      } catch (e) {
        // A user code taken by another request (unique index): draw again.
        if (attempt < 3) continue;
        throw e;
      }
      if (Math.random() < 0.05) void this.d.store.r.deviceGrants.purge(now - 86_400_000).catch(() => {});
      return { deviceCode, userCode: formatUserCode(userCode), expiresIn: this.s.expiresIn, interval: this.s.interval };
    }
  }

  /** The pending request behind a user code; 404 when unknown, expired or already decided. `ip` is the asker's (wrong codes are limited per IP). */
  async describe(userCode: string, ip: string | null): Promise<DeviceRequestView> {
    const g = await this.pending(userCode, ip);
    const defs = new Map(this.d.catalog.list().map((s) => [s.id, s.description] as const));
    return {
      userCode: formatUserCode(g.userCode), clientName: g.clientId, tokenName: g.tokenName,
      scopes: g.scopes.map((id) => ({ id, description: id === '*' ? 'full access' : defs.get(id) ?? '' })),
      orgs: g.orgs ?? '*', expiresInDays: g.expiresInDays ?? DEFAULT_DAYS,
      requestedAt: new Date(g.createdAt).toISOString(), requestedFrom: { ip: g.ip, userAgent: g.userAgent }, expiresAt: new Date(g.expiresAt).toISOString(), status: 'pending',
    };
  }

  /** A signed-in person approves (optionally narrowing orgs or changing the lifetime) or denies. */
  async decide(caller: Caller, userCode: string, action: 'approve' | 'deny', o: { orgs?: string[] | '*'; expiresInDays?: number } = {}): Promise<{ status: 'approved' | 'denied' }> {
    if (caller.token) throw new PatdError('session_required', 'a device sign-in is approved by a signed-in person, not a token');
    const g = await this.pending(userCode, caller.ip);
    const now = this.d.clock.now();
    if (action === 'deny') {
      await this.transition(caller, g, { status: 'denied', userId: caller.user.id, decidedAt: now }, 'device.denied');
      return { status: 'denied' };
    }
    const orgs = narrowOrgs(g.orgs, o.orgs);
    const requestedDays = g.expiresInDays ?? DEFAULT_DAYS;
    const expiresInDays = o.expiresInDays ?? requestedDays;
    if (expiresInDays > requestedDays) {
      throw new PatdError('forbidden', `approval may shorten what the device asked for, never lengthen it: it asked for ${requestedDays} days`, { field: 'expiresInDays' });
    }
    // Refuse now, on the page, what would be refused when the token is created.
    const expiresAt = resolveExpiry({ expiresInDays }, now, this.d.settings.maxTokenDays) as number;
    const facts = await memberOrgFacts(this.d.store.r, caller.user.id);
    const orgIds = orgs === null ? null : orgs.map((n) => {
      const f = facts.find((x) => x.orgName === n);
      if (!f) throw new PatdError('validation_failed', `you are not a member of org "${n}"`, { field: 'orgs' });
      return f.orgId;
    });
    checkSettings({ scopes: g.scopes, orgIds, expiresAt }, reachOf(facts, orgIds), now);
    await this.transition(caller, g, { status: 'approved', userId: caller.user.id, decidedAt: now, orgs, expiresInDays }, 'device.approved');
    return { status: 'approved' };
  }

  /** The token endpoint's device_code grant (RFC 8628 §3.4–3.5). */
  async poll(deviceCode: string, clientId: string, ctx: RequestContext): Promise<PollResult> {
    const g = typeof deviceCode === 'string' && deviceCode.length <= 200 ? await this.d.store.r.deviceGrants.byDigest(sha256Hex(deviceCode)) : null;
    if (!g || g.clientId !== clientId) return { ok: false, error: 'invalid_grant', description: 'unknown device_code, or issued to another client_id' };
    const now = this.d.clock.now();
    if (g.status === 'used' || g.status === 'failed') return { ok: false, error: 'invalid_grant', description: 'this device_code has already been used' };
    if (g.status === 'denied') return { ok: false, error: 'access_denied', description: 'the request was denied' };
    if (g.expiresAt <= now) return { ok: false, error: 'expired_token', description: 'the device_code has expired; start again' };
    if (g.status === 'pending') {
      if (g.lastPollAt !== null && now - g.lastPollAt < g.intervalSeconds * 1000) {
        const interval = g.intervalSeconds + 5;
        await this.d.store.tx((r) => r.deviceGrants.polled(g.id, now, interval));
        return { ok: false, error: 'slow_down', description: `poll at most every ${interval} seconds`, interval };
      }
      await this.d.store.tx((r) => r.deviceGrants.polled(g.id, now, g.intervalSeconds));
      return { ok: false, error: 'authorization_pending', description: 'waiting for the person to approve on the verification page' };
    }
    // Approved: the token and the grant's consumption commit together; a second poll finds it used.
    const owner = g.userId ? await this.d.store.r.users.byId(g.userId) : null;
    try {
      if (!owner || owner.disabled) throw new PatdError('user_disabled', 'the account that approved is not usable');
      const caller: Caller = { user: owner, token: null, ip: ctx.ip, userAgent: ctx.userAgent };
      const issued = await this.tokens.create(caller, owner, {
        name: g.tokenName, scopes: g.scopes, orgs: g.orgs ?? '*', expiresInDays: g.expiresInDays ?? undefined,
      }, {
        via: 'device', clientName: g.clientId,
        inTx: async (r, tokenId) => {
          if (!(await r.deviceGrants.transition(g.id, 'approved', { status: 'used', tokenId }))) throw new GrantUsed();
        },
      });
      return {
        ok: true, accessToken: issued.secret, tokenId: issued.token.id, scope: issued.token.scopes.join(' '),
        expiresIn: Math.max(0, Math.floor((Date.parse(issued.token.expiresAt) - now) / 1000)),
      };
    } catch (e) {
      if (e instanceof GrantUsed) return { ok: false, error: 'invalid_grant', description: 'this device_code has already been used' };
      await this.d.store.r.deviceGrants.transition(g.id, 'approved', { status: 'failed' });
      if (e instanceof PatdError) return { ok: false, error: 'access_denied', description: `the token could not be created: ${e.message}` };
      throw e;
    }
  }

  /**
   * Guessing user codes is limited per IP: each look-up is counted before it is made (so
   * concurrent guesses cannot slip past the limit) and given back when the code was right.
   */
  private async pending(userCode: string, ip: string | null): Promise<DeviceGrant> {
    const client = [clientKey(ip)];
    await this.codes.take(client);
    const code = normalizeUserCode(typeof userCode === 'string' ? userCode.slice(0, 20) : '');
    const g = code.length === 8 ? await this.d.store.r.deviceGrants.byUserCode(code) : null;
    if (g?.status !== 'pending' || g.expiresAt <= this.d.clock.now()) {
      throw new PatdError('not_found', 'no pending sign-in request with this code; it may have expired or been used — start again on your device');
    }
    await this.codes.refund(client);
    return g;
  }

  private async transition(caller: Caller, g: DeviceGrant, patch: Parameters<DeviceGrantRepo['transition']>[2], action: string): Promise<void> {
    await this.d.store.tx(async (r) => {
      if (!(await r.deviceGrants.transition(g.id, 'pending', patch))) throw new PatdError('conflict', 'this request was already decided');
      await this.d.events.record(r, contextOf(caller), this.d.clock.now(), {
        action, targetType: 'device_grant', targetId: g.id, subjectUserId: caller.user.id,
        details: { clientName: g.clientId, tokenName: g.tokenName, scopes: g.scopes, orgs: patch.orgs === undefined ? g.orgs ?? '*' : patch.orgs ?? '*' },
      });
    });
  }
}

/**
 * The orgs an approval grants: what the device asked for, or fewer. Approval may narrow the
 * request, never widen it (null: all the approver's orgs).
 */
export function narrowOrgs(requested: string[] | null, chosen: string[] | '*' | undefined): string[] | null {
  if (chosen === undefined) return requested;
  if (chosen === '*') {
    if (requested !== null) throw new PatdError('forbidden', 'approval may narrow what the device asked for, never widen it: it asked for some orgs, not all', { field: 'orgs' });
    return null;
  }
  if (chosen.length === 0) throw new PatdError('validation_failed', 'orgs must be "*" or a non-empty list of org names', { field: 'orgs' });
  const names = [...new Set(chosen.map((n) => checkSlug('orgs', n)))];
  const extra = requested === null ? undefined : names.find((n) => !requested.includes(n));
  if (extra) throw new PatdError('forbidden', `approval may narrow what the device asked for, never widen it: org "${extra}" was not asked for`, { field: 'orgs' });
  return names;
}

/** "a b", "a,b", "*" or empty (all orgs). */
export function parseOrgList(s: string | undefined): string[] | null {
  const parts = (s ?? '').split(/[\s,]+/).filter(Boolean);
  if (parts.length === 0 || (parts.length === 1 && parts[0] === '*')) return null;
  return [...new Set(parts.map((p) => checkSlug('orgs', p)))];
}

/** Another poll consumed the grant first. */
class GrantUsed extends Error {}
