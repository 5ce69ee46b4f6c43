import { DAY_MS } from '../clock.js';
import { PatdError } from '../errors.js';

export interface ExpiryInput {
  expiresInDays?: number | undefined;
  expiresAt?: string | undefined;
}

export const DEFAULT_DAYS = 30;
export const PRESET_DAYS = [7, 30, 60, 90, 180, 365];

/** Resolves `expiresInDays` or `expiresAt` (ISO 8601, to the second) to epoch ms. */
export function resolveExpiry(i: ExpiryInput, now: number, maxDays: number, fallbackDays: number | null = DEFAULT_DAYS): number | null {
  if (i.expiresInDays !== undefined && i.expiresAt !== undefined) {
    throw new PatdError('invalid_expiry', 'give either expiresInDays or expiresAt, not both', { field: 'expiresAt' });
  }
  let at: number;
  if (i.expiresAt !== undefined) {
    if (!/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(i.expiresAt)) {
      throw new PatdError('invalid_expiry', 'expiresAt must be an ISO 8601 date-time such as 2026-12-31T23:59:59Z', { field: 'expiresAt' });
    }
    at = Date.parse(i.expiresAt);
    if (Number.isNaN(at)) throw new PatdError('invalid_expiry', 'expiresAt is not a valid date-time', { field: 'expiresAt' });
    at = Math.floor(at / 1000) * 1000;
    if (at <= now) throw new PatdError('invalid_expiry', 'expiresAt must be in the future', { field: 'expiresAt' });
  } else if (i.expiresInDays !== undefined) {
    if (!Number.isInteger(i.expiresInDays) || i.expiresInDays < 1) {
      throw new PatdError('invalid_expiry', 'expiresInDays must be a whole number of days, at least 1', { field: 'expiresInDays' });
    }
    at = now + i.expiresInDays * DAY_MS;
  } else if (fallbackDays !== null) {
    at = now + fallbackDays * DAY_MS;
  } else {
    return null;
  }
  // A second of slack so "365 days" typed as a date a moment ago is not refused.
  if (at > now + maxDays * DAY_MS + 1000) {
    throw new PatdError('invalid_expiry', `a token may live at most ${maxDays} days`, { field: i.expiresAt !== undefined ? 'expiresAt' : 'expiresInDays' });
  }
  return at;
}
