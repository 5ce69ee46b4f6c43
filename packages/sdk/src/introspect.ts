import { PatdError } from './errors.js';
import type { ActiveResult, FetchLike, InactiveResult, VerifyResult } from './types.js';

export const INACTIVE: InactiveResult = Object.freeze({ active: false as const });

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** RFC 6749 §2.3.1: client id and secret are form-urlencoded before Basic encoding. */
export function clientAuthorization(clientId: string, clientSecret: string): string {
  const enc = (s: string) => new URLSearchParams({ s }).toString().slice(2);
  return `Basic ${Buffer.from(`${enc(clientId)}:${enc(clientSecret)}`, 'utf8').toString('base64')}`;
}

/** Turn patd's RFC 7662 answer into a frozen `VerifyResult`; throws on a malformed one. */
export function parseIntrospection(body: unknown): VerifyResult {
  if (!isRecord(body) || typeof body.active !== 'boolean') {
    throw new PatdError('bad_response', 'patd introspection answer has no boolean "active"');
  }
  if (!body.active) return INACTIVE;
  const { username, sub, exp, iat, scope, orgs, jti, token_id: tokenId, client_id: clientId } = body;
  if (typeof username !== 'string' || (typeof sub !== 'string' && typeof sub !== 'number')) {
    throw new PatdError('bad_response', 'active introspection answer lacks "username" or "sub"');
  }
  if (typeof exp !== 'number' || !Number.isFinite(exp)) {
    throw new PatdError('bad_response', 'active introspection answer lacks a numeric "exp"');
  }
  const scopes = typeof scope === 'string' ? scope.split(' ').filter((s) => s !== '') : [];
  let orgList: string[] | '*' = [];
  if (orgs === '*' || (Array.isArray(orgs) && orgs.includes('*'))) orgList = '*';
  else if (Array.isArray(orgs)) orgList = Object.freeze(orgs.filter((o): o is string => typeof o === 'string')) as string[];
  const result: ActiveResult = {
    active: true,
    username,
    userId: String(sub),
    scopes: Object.freeze(scopes) as string[],
    orgs: orgList,
    exp,
    iat: typeof iat === 'number' ? iat : 0,
  };
  const id = typeof jti === 'string' ? jti : tokenId;
  if (typeof id === 'string') result.tokenId = id;
  if (typeof clientId === 'string') result.clientId = clientId;
  return Object.freeze(result);
}

/** One `POST {url}/oauth/introspect` call. Errors never include the token. */
export async function introspect(
  fetchImpl: FetchLike,
  endpoint: string,
  authorization: string,
  token: string,
  signal: AbortSignal,
): Promise<VerifyResult> {
  let res: Awaited<ReturnType<FetchLike>>;
  try {
    res = await fetchImpl(endpoint, {
      method: 'POST',
      headers: {
        authorization,
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
      },
      body: new URLSearchParams({ token, token_type_hint: 'pat' }).toString(),
      signal,
    });
  } catch (err) {
    const why = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    throw new PatdError('network_error', `patd introspection request failed (${why})`, { cause: err });
  }
  if (res.status !== 200) res.json().catch(() => undefined); // drain, so the connection is reused
  if (res.status === 401) {
    throw new PatdError('invalid_client', 'patd refused the client credentials (401)', { status: 401 });
  }
  if (res.status !== 200) {
    throw new PatdError('bad_status', `patd introspection answered HTTP ${res.status}`, { status: res.status });
  }
  let body: unknown;
  try {
    body = await res.json();
  } catch (err) {
    throw new PatdError('bad_response', 'patd introspection answer is not JSON', { status: 200, cause: err });
  }
  return parseIntrospection(body);
}
