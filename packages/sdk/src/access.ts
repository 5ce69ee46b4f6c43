import { parseAuthorization } from './credentials.js';
import { hasScope, inOrg } from './scopes.js';
import type { ActiveResult, Verifier } from './types.js';

/** Stable `code` of the problem bodies the middlewares answer with. */
export type ProblemCode = 'unauthenticated' | 'token_invalid' | 'insufficient_scope' | 'org_forbidden' | 'verifier_unavailable';

/** RFC 9457 problem details, as sent with `Content-Type: application/problem+json`. */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ProblemCode;
  /** The missing scope (`insufficient_scope`). */
  scope?: string;
  /** The org refused (`org_forbidden`). */
  org?: string;
}

/** A refusal: status, headers and body to send. */
export interface Problem {
  status: number;
  headers: Record<string, string>;
  body: ProblemDetails;
}

/** The org a request is for: a fixed name, or read from the request (`undefined`: no org check). */
export type OrgOption<Req> = string | ((req: Req) => string | undefined);

/** What a route requires. Shared by `requireToken`, `fastifyRequireToken`, `authorizeRequest`. */
export interface RequireOptions<Req> {
  /** Something with `verify()`, normally from `createVerifier`. */
  verifier: Pick<Verifier, 'verify'>;
  /** Required scope (implied scopes count). */
  scope?: string;
  /** Required org, or a function of the request, e.g. `(req) => req.params.org`. */
  org?: OrgOption<Req>;
  /** Realm in `WWW-Authenticate` challenges (default `patd`). */
  realm?: string;
  /** Called with the error when the verifier fails (the request then gets a 503). */
  onError?: (err: unknown) => void;
}

/** The outcome of `authorizeRequest`. */
export type Authorization = { ok: true; result: ActiveResult } | { ok: false; problem: Problem };

const TITLES: Record<ProblemCode, string> = {
  unauthenticated: 'Authentication required',
  token_invalid: 'The token is not valid',
  insufficient_scope: 'The token lacks a required scope',
  org_forbidden: 'Not allowed in this organization',
  verifier_unavailable: 'Token verification is unavailable',
};

const quote = (s: string) => `"${s.replace(/["\\]/g, '\\$&')}"`;

function problem(status: number, code: ProblemCode, detail: string, challenge?: string, extra?: Partial<ProblemDetails>): Problem {
  const headers: Record<string, string> = { 'content-type': 'application/problem+json', 'cache-control': 'no-store' };
  if (challenge !== undefined) headers['www-authenticate'] = challenge;
  return { status, headers, body: { type: `urn:patd:problem:${code}`, title: TITLES[code], status, detail, code, ...extra } };
}

/**
 * Framework-neutral check of a request's `Authorization` header against patd: the
 * building block of `requireToken` and `fastifyRequireToken`, for other frameworks.
 * Never throws for a verifier failure: that is a 503 `verifier_unavailable` problem.
 *
 * @example
 * ```ts
 * const outcome = await authorizeRequest(req, { verifier, scope: 'work:read' });
 * if (!outcome.ok) {
 *   res.writeHead(outcome.problem.status, outcome.problem.headers);
 *   res.end(JSON.stringify(outcome.problem.body));
 * }
 * ```
 */
export async function authorizeRequest<Req extends { headers: { authorization?: string | string[] | undefined } }>(
  req: Req,
  opts: RequireOptions<Req>,
): Promise<Authorization> {
  const realm = quote(opts.realm ?? 'patd');
  const creds = parseAuthorization(req.headers.authorization);
  if (creds.kind === 'none') {
    const challenge = `Basic realm=${realm}, charset="UTF-8", Bearer realm=${realm}`;
    return { ok: false, problem: problem(401, 'unauthenticated', 'This request needs a personal access token', challenge) };
  }
  const invalid = problem(401, 'token_invalid', 'The token is not valid', `Bearer realm=${realm}, error="invalid_token"`);
  if (creds.kind === 'malformed') return { ok: false, problem: invalid };
  let result: Awaited<ReturnType<Verifier['verify']>>;
  try {
    result = await opts.verifier.verify(creds.token);
  } catch (err) {
    opts.onError?.(err);
    return { ok: false, problem: problem(503, 'verifier_unavailable', 'The token could not be checked; try again later') };
  }
  if (!result.active) return { ok: false, problem: invalid };
  const { scope } = opts;
  if (scope !== undefined && !hasScope(result.scopes, scope)) {
    const challenge = `Bearer realm=${realm}, error="insufficient_scope", scope=${quote(scope)}`;
    return { ok: false, problem: problem(403, 'insufficient_scope', `The token lacks the scope ${scope}`, challenge, { scope }) };
  }
  const org = typeof opts.org === 'function' ? opts.org(req) : opts.org;
  if (org !== undefined && org !== '' && !inOrg(result, org)) {
    return { ok: false, problem: problem(403, 'org_forbidden', `The token is not valid for the organization ${org}`, undefined, { org }) };
  }
  return { ok: true, result };
}
