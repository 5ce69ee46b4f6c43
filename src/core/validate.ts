import { PatdError } from './errors.js';

export const NAME_RE = /^[a-z0-9][a-z0-9._-]{0,38}$/;

export const RESERVED_NAMES = new Set([
  'api', 'oauth', 'auth', 'assets', 'device', 'signin', 'signout', 'tokens', 'orgs', 'healthz', 'readyz',
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

export function checkTokenName(v: string): string {
  const name = v.trim();
  if (name.length < 1 || name.length > 120) {
    throw new PatdError('validation_failed', 'name must be 1–120 characters', { field: 'name' });
  }
  return name;
}

export function checkEmail(v: string): string {
  if (v.length > 254 || !/^[^\s@]+@[^\s@]+$/.test(v)) throw new PatdError('validation_failed', 'email is not an email address', { field: 'email' });
  return v;
}

export function checkLimit(v: number | undefined, def = 50, max = 200): number {
  if (v === undefined) return def;
  if (!Number.isInteger(v) || v < 1 || v > max) throw new PatdError('validation_failed', `limit must be 1–${max}`, { field: 'limit' });
  return v;
}
