import type { FastifyDynamicSwaggerOptions } from '@fastify/swagger';
import type { FastifySchema, RouteOptions } from 'fastify';
import { ERROR_CODES } from '../../core/errors.js';
import { VERSION } from '../../version.js';
import type { AuthRule } from './deps.js';

/**
 * The OpenAPI document's contract, decided in one place from what every route declares: its
 * AuthRule gives `security` and the authentication errors, its method and path the input
 * errors, and every error is an RFC 9457 problem (`#/components/schemas/Problem`). All of it
 * runs when routes are added or when the document is first built, never per request.
 */

export type SecurityRequirement = Record<string, string[]>;

/** What the document says about a route beyond the schema Fastify applies. */
export interface OpenApiDoc {
  /**
   * Only for auth 'none' routes whose handler checks a credential of its own (forward-auth,
   * OAuth client authentication); a route with an AuthRule gets its security from the rule.
   */
  security?: SecurityRequirement[];
  /**
   * Documented, never compiled by Fastify: bodies a handler parses itself (forms), and answers
   * that must not go through a response serializer (hot paths, OAuth's own error format).
   */
  schema?: Pick<FastifySchema, 'body' | 'querystring' | 'headers'> & { consumes?: string[]; response?: Record<string, unknown> };
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const PROBLEM_TYPE = 'application/problem+json';
const asArray = <T>(v: T | T[]): T[] => (Array.isArray(v) ? v : [v]);

export const SECURITY_SCHEMES = {
  basic: { type: 'http', scheme: 'basic', description: 'A personal access token as the password (any or no username). Scopes listed on an operation are the token scopes it needs; `*` is a full-access token for all orgs.' },
  bearer: { type: 'http', scheme: 'bearer', description: 'A personal access token. Scopes listed on an operation are the token scopes it needs.' },
  session: { type: 'apiKey', in: 'cookie', name: 'patd_session', description: 'The session cookie set by POST /api/v1/session (or the sign-in pages).' },
  csrf: {
    type: 'apiKey', in: 'header', name: 'X-CSRF-Token',
    description: 'The csrfToken from POST or GET /api/v1/session. Required with the session cookie on POST, PUT, PATCH and DELETE (else 403 csrf_failed); not with a token.',
  },
  client: {
    type: 'http', scheme: 'basic',
    description: "A resource server's client id and secret (`patd client add`); client_id and client_secret in the form are accepted instead.",
  },
} as const;

/** The credentials an AuthRule accepts, as `authenticate` (auth.ts) applies it. */
export function securityFor(rule: AuthRule | undefined, unsafe: boolean): SecurityRequirement[] {
  if (rule === undefined || rule === 'none') return [];
  const out: SecurityRequirement[] = [];
  if (!rule.sessionOnly && (rule.admin || rule.scope !== undefined || rule.patOnly)) {
    const scopes = rule.admin ? ['*'] : rule.scope ? [rule.scope] : [];
    out.push({ basic: scopes }, { bearer: [...scopes] });
  }
  if (!rule.patOnly) out.push(unsafe ? { session: [], csrf: [] } : { session: [] });
  return out;
}

/** Problem statuses that follow from the rule, the method and the path, whatever the handler does. */
function impliedErrors(rule: AuthRule | undefined, methods: string[], url: string, schema: FastifySchema): number[] {
  const s = new Set<number>();
  const unsafe = methods.some((m) => UNSAFE.has(m));
  if (unsafe) s.add(400).add(413).add(415); // invalid_json, body_too_large, unsupported_media_type
  if (schema.body || schema.querystring || schema.params) s.add(400);
  if (/\/:[A-Za-z]/.test(url)) s.add(404);
  if (rule && rule !== 'none') {
    s.add(401).add(503); // authentication reads storage on a cache miss
    // insufficient_scope, session_required, csrf_failed (a PAT-only rule without a scope has none of them)
    if (!rule.patOnly || rule.scope !== undefined || rule.admin) s.add(403);
  }
  return [...s];
}

const HEADERS: Record<string, Record<string, { type: 'string'; description: string }>> = {
  401: { 'WWW-Authenticate': { type: 'string', description: 'The challenge (docs/errors.md)' } },
  429: { 'Retry-After': { type: 'string', description: 'Seconds to wait' } },
  503: { 'Retry-After': { type: 'string', description: 'Seconds to wait' } },
};

function codesOf(status: string): string {
  const codes = Object.entries(ERROR_CODES).filter(([, v]) => String(v.status) === status).map(([k]) => k);
  return codes.length ? `A problem; code is one of: ${codes.join(', ')}.` : 'A problem.';
}

const problemContent = () => ({ [PROBLEM_TYPE]: { schema: { $ref: 'Problem' } } });

function problemResponse(status: string) {
  const description = status === 'default' ? 'Any other error (500 internal, 405 method_not_allowed, …): a problem.' : codesOf(status);
  return { description, content: problemContent(), ...(HEADERS[status] ? { headers: HEADERS[status] } : {}) };
}

const isProblemRef = (r: unknown) => !!r && typeof r === 'object' && (r as { $ref?: unknown }).$ref === 'Problem';

/** Errors as problems (the route's own, and the implied); OAuth-format answers keep theirs, with a problem beside them where one is implied. */
function documentedResponses(declared: Record<string, unknown>, implied: number[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [status, r] of Object.entries(declared)) {
    const error = status === 'default' || Number(status) >= 400;
    if (!error) out[status] = r;
    else if (isProblemRef(r)) out[status] = problemResponse(status);
    else {
      const own = r as { content?: Record<string, unknown> };
      out[status] = implied.includes(Number(status)) ? { ...own, content: { ...own.content, ...problemContent() } } : own;
    }
  }
  for (const s of implied) out[s] ??= problemResponse(String(s));
  out.default ??= problemResponse('default');
  return out;
}

const routeDoc = (route: RouteOptions) => (route.config as { openapi?: OpenApiDoc } | undefined)?.openapi;
const isHidden = (schema: FastifySchema | undefined) => (schema as { hide?: boolean } | undefined)?.hide === true;
const responsesOf = (route: RouteOptions) => ({ ...(route.schema?.response as object | undefined), ...routeDoc(route)?.schema?.response });

/**
 * At start-up, for every route: a documented one names its operationId and a success answer;
 * only an auth 'none' route may document security of its own. A route that forgot fails here.
 */
export function checkDocumented(route: RouteOptions, rule: AuthRule | undefined): void {
  const name = `route ${asArray(route.method).join(',')} ${route.url}`;
  if (routeDoc(route)?.security && rule !== 'none') throw new Error(`${name}: security comes from its auth rule; only auth 'none' routes document their own`);
  if (isHidden(route.schema) || route.method === 'HEAD') return;
  if (!(route.schema as { operationId?: string } | undefined)?.operationId) throw new Error(`${name} has no operationId (or schema.hide)`);
  if (!Object.keys(responsesOf(route)).some((s) => /^[23]/.test(s))) throw new Error(`${name} documents no success response`);
}

const transform: NonNullable<FastifyDynamicSwaggerOptions['transform']> = ({ schema, url, route }) => {
  if (!schema || isHidden(schema)) return { schema, url };
  const rule = (route.config as { auth?: AuthRule } | undefined)?.auth;
  const doc = routeDoc(route);
  const methods = asArray(route.method);
  const { response: _r, ...docSchema } = doc?.schema ?? {};
  const security = rule === 'none' || rule === undefined ? (doc?.security ?? []) : securityFor(rule, methods.some((m) => UNSAFE.has(m)));
  const response = documentedResponses(responsesOf(route), impliedErrors(rule, methods, url, schema));
  return { schema: { ...schema, ...docSchema, security, response } as FastifySchema, url };
};

/** HEAD answers like GET wherever both exist: it is not documented twice. */
const transformObject: NonNullable<FastifyDynamicSwaggerOptions['transformObject']> = (d) => {
  const doc = 'openapiObject' in d ? d.openapiObject : d.swaggerObject;
  for (const item of Object.values(doc.paths ?? {}) as Record<string, unknown>[]) {
    if (item.get) delete item.head;
  }
  return doc;
};

/** The @fastify/swagger options: one document, info.version from package.json. */
export function swaggerOptions(): FastifyDynamicSwaggerOptions {
  return {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'patd', version: VERSION,
        description: 'Personal access tokens: issue, check, notify, audit. Errors are RFC 9457 problems (application/problem+json) with a stable code (docs/errors.md); the OAuth endpoints answer errors in RFC 6749 format.',
      },
      components: { securitySchemes: SECURITY_SCHEMES as never },
    },
    // Shared schemas keep their $id as their name (components/schemas/Problem).
    refResolver: { buildLocalReference: (json, _base, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
    transform,
    transformObject,
  };
}
