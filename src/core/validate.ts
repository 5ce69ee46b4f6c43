import { PatdError } from './errors.js';

export const NAME_RE = /^[a-z0-9][a-z0-9._-]{0,38}$/;

export const RESERVED_NAMES = new Set([
  'api', 'oauth', 'auth', 'assets', 'device', 'signin', 'signout', 'account', 'invitations', 'service-accounts', 'tokens', 'orgs', 'healthz', 'readyz',
  'metrics', 'admin', 'static', 'login', 'logout', 'settings', 'users', 'me', 'new', 'help', 'docs', 'git', '_git',
]);

/** Usernames and org names share one rule. */
export function checkSlug(field: string, v: string): string {
  if (!NAME_RE.test(v)) {
    throw new PatdError('validation_failed', `${field} must be 1–39 characters of a-z, 0-9, ".", "_" or "-", starting with a letter or digit`, { field });
  }
  return v;
}

export function checkOrgName(v: string): string {
  checkSlug('name', v);
  if (RESERVED_NAMES.has(v)) throw new PatdError('reserved_name', `"${v}" is a reserved name`, { field: 'name' });
  return v;
}

/**
 * Characters a name may not hold: controls (Cc), surrogates (Cs), line and paragraph
 * separators, and format characters (Cf) — bidirectional overrides, embeddings, isolates and
 * marks (U+202A–U+202E, U+2066–U+2069, U+200E/F, U+061C), zero-width spaces, word joiners,
 * the BOM, soft hyphens and tag characters — which make a name look like another or hide
 * text. The zero-width joiner and non-joiner stay allowed: emoji sequences and scripts such
 * as Persian and the Indic ones need them.
 */
const UNPRINTABLE = /[\p{Cc}\p{Cs}\p{Zl}\p{Zp}]|(?![\u200C\u200D])\p{Cf}/u;

/** Whether `v` holds only printable characters (see UNPRINTABLE). */
export const isPrintable = (v: string): boolean => !UNPRINTABLE.test(v);

/**
 * The one rule for every name people give things: token names, display names of users, orgs
 * and service accounts, device `token_name` and `client_id`. Trimmed; 1–`max` printable
 * characters (counted in code points). Refusals name `field`.
 */
export function checkName(field: string, v: unknown, max = 120): string {
  const name = typeof v === 'string' ? v.trim() : '';
  const n = [...name].length;
  if (n < 1 || n > max) throw new PatdError('validation_failed', `${field} must be 1–${max} characters`, { field });
  if (!isPrintable(name)) {
    throw new PatdError('validation_failed', `${field} must be printable: no control characters, bidirectional overrides or invisible formatting characters`, { field });
  }
  return name;
}

export function checkTokenName(v: string): string {
  return checkName('name', v);
}

export function checkEmail(v: string): string {
  if (v.length > 254 || !/^[^\s@]+@[^\s@]+$/.test(v) || !isPrintable(v)) throw new PatdError('validation_failed', 'email is not an email address', { field: 'email' });
  return v;
}

export function checkLimit(v: number | undefined, def = 50, max = 200): number {
  if (v === undefined) return def;
  if (!Number.isInteger(v) || v < 1 || v > max) throw new PatdError('validation_failed', `limit must be 1–${max}`, { field: 'limit' });
  return v;
}
