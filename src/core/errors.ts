/**
 * The one closed list of error codes patd answers with. Every code has its HTTP status
 * and a title; docs/errors.md documents each (a test keeps the two in step).
 */
export const ERROR_CODES = {
  validation_failed: { status: 400, title: 'The request is not valid' },
  invalid_json: { status: 400, title: 'The request body is not valid JSON' },
  unknown_scope: { status: 400, title: 'Unknown scope' },
  invalid_expiry: { status: 400, title: 'Invalid expiry' },
  reserved_name: { status: 400, title: 'Reserved name' },
  unauthenticated: { status: 401, title: 'Authentication required' },
  invalid_credentials: { status: 401, title: 'Wrong username or password' },
  token_invalid: { status: 401, title: 'The token is not valid' },
  token_expired: { status: 401, title: 'The token has expired' },
  token_revoked: { status: 401, title: 'The token has been revoked' },
  token_rotated: { status: 401, title: 'The token was regenerated; this secret is no longer valid' },
  user_disabled: { status: 401, title: 'The account is disabled' },
  invalid_client: { status: 401, title: 'Client authentication failed' },
  insufficient_scope: { status: 403, title: 'The token lacks a required scope' },
  org_forbidden: { status: 403, title: 'Not allowed in this organization' },
  ip_forbidden: { status: 403, title: 'Not allowed from this IP address' },
  csrf_failed: { status: 403, title: 'Missing or wrong CSRF token' },
  forbidden: { status: 403, title: 'Not allowed' },
  beyond_token: { status: 403, title: 'Beyond what the token used for this call has' },
  invitation_required: { status: 403, title: 'The person must be invited and accept' },
  policy_violation: { status: 403, title: 'Refused by organization policy' },
  session_required: { status: 403, title: 'This action needs a signed-in session' },
  not_found: { status: 404, title: 'Not found' },
  method_not_allowed: { status: 405, title: 'Method not allowed' },
  conflict: { status: 409, title: 'Conflict' },
  last_owner: { status: 409, title: 'An org must keep at least one owner' },
  token_not_editable: { status: 409, title: 'The token cannot be changed' },
  body_too_large: { status: 413, title: 'Request body too large' },
  unsupported_media_type: { status: 415, title: 'Unsupported media type' },
  rate_limited: { status: 429, title: 'Too many requests' },
  internal: { status: 500, title: 'Internal error' },
  unavailable: { status: 503, title: 'Service unavailable' },
} as const satisfies Record<string, { status: number; title: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface ErrorExtras {
  /** Field or parameter the error is about (JSON pointer-ish, e.g. `body.name`). */
  field?: string;
  /** Seconds a client should wait (rate_limited). */
  retryAfter?: number;
  /** Scope that was missing (insufficient_scope). */
  scope?: string;
  /** Policy that refused (policy_violation). */
  policy?: string;
  [k: string]: unknown;
}

/** The one error class of patd. `detail` is shown to the caller: never put a secret in it. */
export class PatdError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly extras: ErrorExtras;
  constructor(code: ErrorCode, detail?: string, extras: ErrorExtras = {}) {
    super(detail ?? ERROR_CODES[code].title);
    this.name = 'PatdError';
    this.code = code;
    this.status = ERROR_CODES[code].status;
    this.extras = extras;
  }
}

export const isPatdError = (e: unknown): e is PatdError => e instanceof PatdError;
