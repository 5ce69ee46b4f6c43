import { DAY_MS } from '../clock.js';
import type { CoreDeps } from '../deps.js';
import type { User } from '../model.js';
import type { TokenService } from './service.js';

/** At most this many distinct client IPs are kept per token and day (the rest still count). */
export const TOKEN_USAGE_MAX_IPS = 20;
export const USAGE_DAYS = 30;

/** One token's requests on one UTC day (`YYYY-MM-DD`) and the distinct IPs seen. */
export interface DayUsage {
  day: string;
  count: number;
  ips: string[];
}

export interface UsageAdd extends DayUsage {
  tokenId: string;
}

/**
 * Uses of one token since the last flush, collected by the verifier on the hot path: a number
 * and a set, no string building (days are counted in whole days since the epoch).
 */
export interface PendingUse {
  id: string;
  at: number;
  ip: string | null;
  day: number;
  count: number;
  ips: Set<string>;
  /** Counts of earlier days, when a flush interval crossed midnight UTC. */
  earlier: { day: number; count: number; ips: Set<string> }[] | null;
}

const addIp = (ips: Set<string>, ip: string | null) => {
  if (ip !== null && ips.size < TOKEN_USAGE_MAX_IPS) ips.add(ip);
};

export function newUse(id: string, at: number, ip: string | null): PendingUse {
  const u: PendingUse = { id, at, ip, day: Math.floor(at / DAY_MS), count: 1, ips: new Set(), earlier: null };
  addIp(u.ips, ip);
  return u;
}

export function noteUse(u: PendingUse, at: number, ip: string | null): void {
  const day = Math.floor(at / DAY_MS);
  if (day !== u.day) {
    (u.earlier ??= []).push({ day: u.day, count: u.count, ips: u.ips });
    u.day = day;
    u.count = 0;
    u.ips = new Set();
  }
  u.at = at;
  u.ip = ip;
  u.count++;
  addIp(u.ips, ip);
}

/**
 * Puts back uses whose flush failed, under the ones collected meanwhile (which keep the newest
 * time and IP): nothing counted is lost while storage is unavailable.
 */
export function mergeBack(failed: PendingUse, newer: PendingUse | undefined): PendingUse {
  if (!newer) return failed;
  const byDay = new Map<number, { day: number; count: number; ips: Set<string> }>();
  for (const d of [...(failed.earlier ?? []), failed, ...(newer.earlier ?? [])]) {
    const e = byDay.get(d.day);
    if (e) {
      e.count += d.count;
      for (const ip of d.ips) addIp(e.ips, ip);
    } else byDay.set(d.day, { day: d.day, count: d.count, ips: new Set(d.ips) });
  }
  const same = byDay.get(newer.day);
  if (same) {
    newer.count += same.count;
    for (const ip of same.ips) addIp(newer.ips, ip);
    byDay.delete(newer.day);
  }
  newer.earlier = byDay.size ? [...byDay.values()].sort((a, b) => a.day - b.day) : null;
  return newer;
}

export const dayString = (day: number) => new Date(day * DAY_MS).toISOString().slice(0, 10);

/** The rows a flush adds to the per-day counts. */
export function dailyCounts(uses: PendingUse[]): UsageAdd[] {
  return uses.flatMap((u) => [...(u.earlier ?? []), u].filter((d) => d.count > 0)
    .map((d) => ({ tokenId: u.id, day: dayString(d.day), count: d.count, ips: [...d.ips] })));
}

/**
 * The last `days` UTC days of a token's use, oldest first, days without use included (count 0).
 * Only the owner's own tokens: `tokens.get` answers not_found for anyone else's.
 */
export async function tokenUsage(d: CoreDeps, tokens: TokenService, owner: User, id: string, days = USAGE_DAYS): Promise<{ days: DayUsage[] }> {
  await tokens.get(owner, id);
  const today = Math.floor(d.clock.now() / DAY_MS);
  const first = today - days + 1;
  const rows = new Map((await d.store.r.usage.forToken(id, dayString(first))).map((r) => [r.day, r] as const));
  const out: DayUsage[] = [];
  for (let day = first; day <= today; day++) {
    const s = dayString(day);
    out.push(rows.get(s) ?? { day: s, count: 0, ips: [] });
  }
  return { days: out };
}
