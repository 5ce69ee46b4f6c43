import { PatdError } from '../errors.js';

export const MIN_PASSWORD = 8;
export const MAX_PASSWORD = 1024;

/** The one password rule: every way of setting a password goes through it. */
export function checkPassword(p: unknown, field: string): string {
  if (typeof p !== 'string' || p.length < MIN_PASSWORD || p.length > MAX_PASSWORD) {
    throw new PatdError('validation_failed', `${field} must be ${MIN_PASSWORD}–${MAX_PASSWORD} characters`, { field });
  }
  return p;
}
