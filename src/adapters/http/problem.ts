import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ERROR_CODES, type ErrorCode, PatdError } from '../../core/errors.js';
import { nulInText } from '../storage/bad-text.js';
import { storageFault } from '../storage/faults.js';

export const REALM = 'patd';
export const CHALLENGE_NONE = `Basic realm="${REALM}", charset="UTF-8", Bearer realm="${REALM}"`;

/** The WWW-Authenticate challenge for an error, per the spec's "Using a token". */
export function challengeFor(e: PatdError): string | null {
  switch (e.code) {
    case 'unauthenticated':
      return CHALLENGE_NONE;
    case 'token_invalid': case 'token_expired': case 'token_revoked': case 'token_rotated': case 'user_disabled':
      return `Bearer realm="${REALM}", error="invalid_token", error_description="${e.code}"`;
    case 'insufficient_scope':
      return `Bearer realm="${REALM}", error="insufficient_scope", scope="${e.extras.scope ?? ''}"`;
    default:
      return null;
  }
}

export function problemBody(e: PatdError, req: FastifyRequest) {
  const { retryAfter: _r, ...extras } = e.extras;
  return {
    type: `urn:patd:problem:${e.code}`,
    title: ERROR_CODES[e.code].title,
    status: e.status,
    detail: e.message,
    code: e.code,
    instance: req.url.split('?')[0],
    requestId: req.id,
    ...extras,
  };
}

export function sendProblem(reply: FastifyReply, e: PatdError): FastifyReply {
  const ch = challengeFor(e);
  if (ch) reply.header('www-authenticate', ch);
  if (e.extras.retryAfter !== undefined) reply.header('retry-after', String(e.extras.retryAfter));
  return reply.code(e.status).type('application/problem+json').send(problemBody(e, reply.request));
}

const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'body_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'validation_failed',
};

/** Maps anything thrown to a PatdError; a database that is not answering is `unavailable` (503); anything else unexpected is `internal` (logged, not shown). */
export function toPatdError(err: FastifyError | Error, req: FastifyRequest): PatdError {
  if (err instanceof PatdError) return err;
  const fe = err as FastifyError & { validation?: { instancePath: string; message?: string; params?: Record<string, unknown> }[]; validationContext?: string };
  if (fe.validation) {
    const v = fe.validation[0];
    const extra = v?.params?.additionalProperty ? `/${String(v.params.additionalProperty)}` : v?.params?.missingProperty ? `/${String(v.params.missingProperty)}` : '';
    const path = `${v?.instancePath ?? ''}${extra}`.replace(/^\//, '').replace(/\//g, '.');
    const field = [fe.validationContext, path].filter(Boolean).join('.');
    const msg = v?.params?.additionalProperty ? 'is not a known field' : v?.message ?? 'is not valid';
    return new PatdError('validation_failed', `${field || 'request'} ${msg}`, { field: field || undefined });
  }
  const mapped = fe.code ? FASTIFY_CODES[fe.code] : undefined;
  if (mapped) return new PatdError(mapped, mapped === 'invalid_json' ? 'the request body is not valid JSON' : fe.message);
  if (err instanceof SyntaxError && fe.statusCode === 400) return new PatdError('invalid_json', 'the request body is not valid JSON');
  if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) return new PatdError('validation_failed', fe.message);
  const fault = storageFault(err);
  if (fault) {
    // The driver's own error, so the log says why (SQLITE_FULL, 57P01, ECONNREFUSED …).
    req.log.warn({ err, fault: fault.reason }, 'database unavailable');
    return new PatdError('unavailable', 'the database is not answering; try again shortly', { retryAfter: fault.retryAfter });
  }
  if (nulInText(err)) return new PatdError('validation_failed', 'text may not contain the NUL character (U+0000)');
  req.log.error({ err }, 'unexpected error');
  return new PatdError('internal', `an unexpected error happened; quote request id ${req.id} to the operator`);
}
