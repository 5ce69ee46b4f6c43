import { type TSchema, Type } from '@sinclair/typebox';
import { ERROR_CODES, type ErrorCode } from '../../core/errors.js';

/** Shared schemas: they validate requests and generate the OpenAPI document. */
export const Problem = Type.Object({
  type: Type.String({ description: 'urn:patd:problem:{code}' }), title: Type.String(), status: Type.Integer(), detail: Type.String(),
  // A plain string enum: fast-json-stringify writes it as a string (a union would be matched per answer).
  code: Type.Unsafe<ErrorCode>({ type: 'string', enum: Object.keys(ERROR_CODES), description: 'stable; the closed list of docs/errors.md' }),
  instance: Type.Optional(Type.String({ description: 'the request path' })), requestId: Type.Optional(Type.String()),
  field: Type.Optional(Type.String({ description: 'the input the problem is about' })),
}, {
  $id: 'Problem', additionalProperties: true,
  description: 'RFC 9457 problem details. Some problems add scope (the missing scope), policy (the org policy that refused), org or invitationId.',
});

/** An answer without a body (204). */
export const NoContent = Type.Null({ description: 'No content' });

export const PageQuery = {
  limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,4}$', description: 'page size, 1–200 (default 50)' })),
  cursor: Type.Optional(Type.String({ maxLength: 200, description: 'nextCursor of the previous page' })),
};

export const Orgs = Type.Union([Type.Literal('*'), Type.Array(Type.String({ maxLength: 64 }), { maxItems: 100 })]);

export const TokenView = Type.Object({
  id: Type.String(), name: Type.String(), scopes: Type.Array(Type.String()), orgs: Orgs,
  createdAt: Type.String({ format: 'date-time' }), expiresAt: Type.String({ format: 'date-time' }),
  lastUsedAt: Type.Union([Type.String(), Type.Null()]), lastUsedIp: Type.Union([Type.String(), Type.Null()]),
  revokedAt: Type.Union([Type.String(), Type.Null()]), revokedReason: Type.Union([Type.String(), Type.Null()]),
  status: Type.Union([Type.Literal('active'), Type.Literal('expired'), Type.Literal('revoked')]),
  hint: Type.String(), createdVia: Type.String(), clientName: Type.Union([Type.String(), Type.Null()]), userId: Type.String(),
});

export const UserView = Type.Object({
  id: Type.String(), username: Type.String(), email: Type.String(), displayName: Type.String(),
  disabled: Type.Boolean(), admin: Type.Boolean(), createdAt: Type.String(),
});

export const Expiry = {
  expiresInDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650, description: 'presets: 7, 30, 60, 90, 180, 365' })),
  expiresAt: Type.Optional(Type.String({ maxLength: 40, description: 'ISO 8601 date-time, to the second' })),
};

export const pageOf = (t: TSchema) => Type.Object({ items: Type.Array(t), nextCursor: Type.Union([Type.String(), Type.Null()]) });

export const errors = (...codes: number[]) => Object.fromEntries(codes.map((c) => [c, Type.Ref('Problem')]));

export function parseLimit(s: string | undefined): number {
  return s === undefined ? 50 : Math.min(Math.max(Number(s), 1), 200);
}
