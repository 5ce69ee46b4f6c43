import { type TSchema, Type } from '@sinclair/typebox';
import type { OpenApiDoc } from '../openapi.js';
import { errors } from '../schemas.js';

/**
 * What the OpenAPI document says about the OAuth endpoints (RFC 8628 device flow, RFC 7662
 * introspection, RFC 7009 revocation). Documentation only: the handlers read their forms and
 * write OAuth's error format themselves (docs/git.md, docs/introspection.md), so nothing here
 * is compiled into a validator or serializer.
 */

export const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
const consumes = ['application/x-www-form-urlencoded'];
const noStore = { 'Cache-Control': { type: 'string', description: 'no-store' } };
const retryAfter = { 'Retry-After': { type: 'string', description: 'Seconds to wait' } };

/** An RFC 6749 §5.2 error answer. */
function oauthError(description: string, codes: string[], extra: Record<string, TSchema> = {}, headers?: object) {
  const schema = Type.Object({ error: Type.String({ enum: codes }), error_description: Type.String(), ...extra });
  return { description, ...(headers ? { headers } : {}), content: { 'application/json': { schema } } };
}
const json = (description: string, schema: TSchema) => ({ description, headers: noStore, content: { 'application/json': { schema } } });

export const deviceAuthorizationDoc: OpenApiDoc = {
  schema: {
    consumes,
    body: Type.Object({
      client_id: Type.String({ description: "Any name; shown to the approver and kept as the token's clientName" }),
      scope: Type.String({ description: 'Space-separated scopes (Azure DevOps aliases accepted)' }),
      token_name: Type.Optional(Type.String({ description: 'Default: the client_id' })),
      orgs: Type.Optional(Type.String({ description: 'Org names, space- or comma-separated; default all' })),
      expires_in_days: Type.Optional(Type.String({ pattern: '^[0-9]{1,4}$', description: 'Default 30' })),
    }),
    response: {
      200: json('Show user_code and verification_uri to the person, then poll /oauth/token', Type.Object({
        device_code: Type.String(), user_code: Type.String(), verification_uri: Type.String(), verification_uri_complete: Type.String(),
        expires_in: Type.Integer({ description: 'seconds' }), interval: Type.Integer({ description: 'seconds between polls' }),
      })),
      400: oauthError('The request is not valid', ['invalid_request', 'invalid_scope']),
      429: oauthError('Too many device sign-ins started from this address', ['slow_down'], {}, retryAfter),
      ...errors(503),
    },
  },
};

export const deviceTokenDoc: OpenApiDoc = {
  schema: {
    consumes,
    body: Type.Object({ grant_type: Type.Literal(DEVICE_GRANT), device_code: Type.String(), client_id: Type.String() }),
    response: {
      200: json('Approved: the new personal access token, issued once', Type.Object({
        access_token: Type.String(), token_type: Type.Literal('bearer'), expires_in: Type.Integer({ description: 'seconds' }),
        scope: Type.String(), token_id: Type.String(),
      })),
      400: oauthError('Not approved (yet), or the request is not valid (RFC 8628 §3.5)', [
        'authorization_pending', 'slow_down', 'access_denied', 'expired_token', 'invalid_grant', 'unsupported_grant_type', 'invalid_request',
      ], { interval: Type.Optional(Type.Integer({ description: 'slow_down: the polling interval to use from now on, in seconds' })) }),
      ...errors(503),
    },
  },
};

const TokenForm = Type.Object({
  token: Type.String({ description: 'The secret of the token asked about' }),
  token_type_hint: Type.Optional(Type.String({ description: 'Accepted and ignored: patd has one kind of token' })),
  client_id: Type.Optional(Type.String({ description: 'Instead of HTTP Basic, with client_secret' })),
  client_secret: Type.Optional(Type.String()),
});
const clientErrors = {
  400: oauthError('No token, a repeated parameter, both client authentication methods, or a body that is not a form', ['invalid_request']),
  401: oauthError('Client authentication failed (with WWW-Authenticate: Basic)', ['invalid_client']),
  429: oauthError('Too many failed token checks from this address', ['temporarily_unavailable'], {}, retryAfter),
  ...errors(503),
};
const resourceDoc = (response: Record<string, unknown>): OpenApiDoc => ({ security: [{ client: [] }], schema: { consumes, body: TokenForm, response: { ...response, ...clientErrors } } });

export const introspectDoc = resourceDoc({
  200: json('Exactly {"active": false} for a token that is not usable; else what the token may do', Type.Object({
    active: Type.Boolean(), scope: Type.Optional(Type.String({ description: 'space-separated' })), username: Type.Optional(Type.String()),
    sub: Type.Optional(Type.String({ description: "the owner's user id" })), exp: Type.Optional(Type.Integer({ description: 'Unix seconds' })),
    iat: Type.Optional(Type.Integer({ description: 'Unix seconds' })), token_type: Type.Optional(Type.Literal('pat')), client_id: Type.Optional(Type.String()),
    orgs: Type.Optional(Type.Array(Type.String(), { description: 'names of the orgs the token is usable in right now' })),
    jti: Type.Optional(Type.String({ description: 'the token id' })), iss: Type.Optional(Type.String()),
  })),
});

export const revokeDoc = resourceDoc({
  200: { type: 'null', description: 'Revoked, or nothing to revoke (unknown, malformed or already revoked): the answer is the same', headers: noStore },
});
