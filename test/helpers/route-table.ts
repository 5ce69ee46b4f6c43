import type { RouteOptions } from 'fastify';
import type { AuthRule } from '../../src/adapters/http/deps.js';

/** One method of one route, as the app declared it (read through the `onRoute` override). */
export interface RouteInfo {
  method: string;
  url: string;
  auth: AuthRule | undefined;
  /** JSON schemas of the body and query string, when the route declares them. */
  body?: Schema;
  query?: Schema;
  /** `:name` parameters and `*`, in order. */
  params: string[];
  /** A response schema has a `secret` field: the route hands out a credential. */
  issuesSecret: boolean;
}

export interface Schema {
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  anyOf?: Schema[];
  const?: unknown;
  minimum?: number;
  minItems?: number;
  maxLength?: number;
  additionalProperties?: boolean;
}

/** Records every route the app adds; `key(r)` is `METHOD /url`. HEAD routes (Fastify's copies of GETs) are left out. */
export function routeRecorder() {
  const routes: RouteInfo[] = [];
  const seen = new Set<string>();
  const onRoute = (r: RouteOptions) => {
    const methods = Array.isArray(r.method) ? r.method : [r.method];
    const s = (r.schema ?? {}) as { body?: Schema; querystring?: Schema; response?: unknown };
    const issuesSecret = JSON.stringify(s.response ?? {}).includes('"secret"');
    for (const method of methods.map((m) => String(m).toUpperCase())) {
      if (method === 'HEAD' || seen.has(`${method} ${r.url}`)) continue;
      seen.add(`${method} ${r.url}`);
      const params = [...r.url.matchAll(/:([A-Za-z_]+)|\*/g)].map((m) => m[1] ?? '*');
      routes.push({ method, url: r.url, auth: (r.config as { auth?: AuthRule } | undefined)?.auth, body: s.body, query: s.querystring, params, issuesSecret });
    }
  };
  return { routes, onRoute };
}

export const key = (r: Pick<RouteInfo, 'method' | 'url'>) => `${r.method} ${r.url}`;
export const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * What a route is, and so what the suite expects of it. Everything that is not the API, the
 * git host, forward-auth, OAuth or on the public list is a page for signed-in people: a new page
 * is tested as one without anyone listing it, and fails if it forgot to ask for a session.
 */
export type RouteKind =
  | { kind: 'api'; rule: Exclude<AuthRule, 'none'> }
  | { kind: 'api-public' }
  | { kind: 'page'; area: 'personal' | 'org' | 'admin' }
  | { kind: 'sign-in' }
  | { kind: 'git' }
  | { kind: 'forward-auth' }
  | { kind: 'oauth-client' }
  | { kind: 'oauth-public' }
  | { kind: 'public' };

/** API routes anyone may call; a new `auth: 'none'` API route must be added here, with its reason. */
export const API_PUBLIC: Record<string, string> = {
  'POST /api/v1/session': 'sign in (JSON only, so no login CSRF)',
  'GET /api/v1/scopes': 'the scope catalog',
  'POST /api/v1/token-revocations': 'leak reports: whoever holds a secret may kill it (rate limited, always 202)',
  'GET /api/v1/openapi.json': 'the API description',
};

/** Other routes without a session or token: health, metrics, discovery, assets, the OIDC redirect, 405 answers. */
export const OTHER_PUBLIC: Record<string, string> = {
  'GET /healthz': 'liveness',
  'GET /readyz': 'readiness',
  'GET /metrics': 'Prometheus (route labels and counts only)',
  'GET /.well-known/patd': 'discovery for credential helpers',
  'GET /assets/*': 'CSS, script, icon',
  'GET /signin/oidc': 'starts OpenID Connect sign-in',
  'GET /signin/oidc/callback': 'ends OpenID Connect sign-in (state-checked)',
};

export function classify(r: RouteInfo): RouteKind {
  const k = key(r);
  if (r.url.startsWith('/api/')) {
    if (!r.auth) throw new Error(`${k} declares no auth rule`);
    if (r.auth === 'none') {
      if (!(k in API_PUBLIC)) throw new Error(`${k} is an API route without authentication that nobody listed in API_PUBLIC (test/helpers/route-table.ts)`);
      return { kind: 'api-public' };
    }
    return { kind: 'api', rule: r.auth };
  }
  if (r.url === '/auth/verify' || r.url === '/auth/verify/*') return { kind: 'forward-auth' };
  if (r.url === '/oauth/introspect' || r.url === '/oauth/revoke') return r.method === 'POST' ? { kind: 'oauth-client' } : { kind: 'public' };
  if (r.url === '/oauth/device_authorization' || r.url === '/oauth/token') return { kind: 'oauth-public' };
  if (r.url.startsWith('/oauth/')) throw new Error(`${k}: an OAuth endpoint the suite does not know`);
  if (/^\/:org\/_git\/:repo(\/\*)?$/.test(r.url)) return { kind: 'git' };
  if (k in OTHER_PUBLIC) return { kind: 'public' };
  if (r.url === '/signin') return { kind: 'sign-in' };
  const area = r.url.startsWith('/admin') ? 'admin' : r.params.includes('org') ? 'org' : 'personal';
  return { kind: 'page', area };
}
