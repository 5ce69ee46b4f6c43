import { isPatdError, type PatdError } from '../../core/errors.js';
import type { FieldErrors } from '../components/form.js';

/** A refusal a person can act on (bad input, a rule of patd): shown on the form; anything else goes to the error page. */
export const isRefusal = (e: unknown): e is PatdError => isPatdError(e) && e.status < 500 && e.code !== 'not_found';

/**
 * The use case's error tied to the form field it names (`extras.field`), or to `fallback`;
 * the API's field name at the start of the message reads as the label ("displayName must be…"
 * → "The display name must be…").
 */
export function fieldErrorOf(e: PatdError, labels: Record<string, string>, fallback: string): FieldErrors {
  const field = typeof e.extras.field === 'string' && e.extras.field in labels ? e.extras.field : fallback;
  const name = typeof e.extras.field === 'string' ? e.extras.field : '';
  const label = labels[name];
  const text = label && e.message.startsWith(`${name} `) ? `${label}${e.message.slice(name.length)}` : e.message;
  return { [field]: `${text.charAt(0).toUpperCase()}${text.slice(1)}.` };
}

/** A status for a refused page form: the use case's, but never 401 (that would read as "sign in again"). */
export const formStatus = (e: PatdError): number => (e.status === 401 ? 400 : e.status);
