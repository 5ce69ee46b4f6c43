import { BlockList } from 'node:net';
import { Type } from '@sinclair/typebox';
import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { PatdError } from '../../../core/errors.js';
import { addCidr } from '../../../core/policies/ip-allowlist.js';
import type { TokenPrincipal } from '../../../core/tokens/verify.js';
import { tokenFromAuthorization } from '../credentials.js';
import type { AppDeps, HttpExtension } from '../deps.js';
import type { HotAnswer, HotRequest } from '../hot-path.js';
import type { OpenApiDoc } from '../openapi.js';
import { CHALLENGE_NONE, challengeFor, problemBody } from '../problem.js';
import { errors } from '../schemas.js';

const BASIC = CHALLENGE_NONE.slice(0, CHALLENGE_NONE.indexOf(', Bearer'));
const ENVOY_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;
const ALIASES: Record<string, string[]> = {
  loopback: ['127.0.0.0/8', '::1/128'],
  linklocal: ['169.254.0.0/16', 'fe80::/10'],
  uniquelocal: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'],
};

const requirement = (what: string) => Type.Optional(Type.String({ description: `${what}, space- or comma-separated; every one must hold` }));
const header = (description: string) => ({ type: 'string', description });
/** Documentation only: nothing is validated or serialized on this hot path. */
const verifyDoc: OpenApiDoc = {
  security: [{ basic: [] }, { bearer: [] }],
  schema: {
    querystring: Type.Object({ scope: requirement('Scopes the token needs'), org: requirement('Orgs the token must be usable in') }),
    headers: Type.Object({ 'x-patd-scope': requirement('Scopes the proxy requires'), 'x-patd-org': requirement('Orgs the proxy requires') }),
    response: {
      200: {
        type: 'null', description: 'The token may pass; who it is comes in headers for the proxy to forward',
        headers: {
          'X-Patd-User': header('username'), 'X-Patd-User-Id': header('user id'), 'X-Patd-Token-Id': header('token id'),
          'X-Patd-Scopes': header('the token scopes, space-separated'), 'X-Patd-Orgs': header('orgs the token is usable in, comma-separated'),
        },
      },
      ...errors(401, 403, 429, 503),
    },
  },
};

/** Is the TCP peer one of the proxies PATD_TRUST_PROXY names? (Same list Fastify uses for X-Forwarded-For.) */
export function trustedPeer(trustProxy: boolean | string): (addr: string | undefined) => boolean {
  if (trustProxy === true) return () => true;
  if (!trustProxy) return () => false;
  const bl = new BlockList();
  for (const raw of trustProxy.split(',').map((s) => s.trim()).filter(Boolean)) {
    for (const cidr of ALIASES[raw] ?? [raw]) {
      try {
        addCidr(bl, cidr);
      } catch {
        // not an address: Fastify rejects it at start-up already
      }
    }
  }
  return (addr) => {
    if (!addr) return false;
    const a = addr.startsWith('::ffff:') && addr.includes('.') ? addr.slice(7) : addr;
    return bl.check(a, a.includes(':') ? 'ipv6' : 'ipv4');
  };
}

/** Values of a query parameter or header: repeated, comma- or space-separated, all required. */
function list(v: unknown): string[] {
  if (v === undefined || v === null) return [];
  const parts = Array.isArray(v) ? v : [v];
  return parts.flatMap((p) => String(p).split(/[\s,]+/)).filter(Boolean);
}

/**
 * `GET /auth/verify` — forward-auth for nginx `auth_request`, Traefik ForwardAuth and Envoy
 * ext_authz (HTTP service, `path_prefix: /auth/verify`, any method). Requirements come from
 * `?scope=&org=` (not on Envoy's `/auth/verify/…` paths, whose query is the client's) and from
 * the `X-Patd-Scope` / `X-Patd-Org` headers a proxy may add: every one given must hold, so
 * what a client adds can only narrow access. The hot path is the TokenVerifier's in-memory
 * cache: no storage read per request, and no request log lines (route log level `warn`).
 */
export const forwardAuthRoutes: HttpExtension = async (app, deps: AppDeps) => {
  const trusted = trustedPeer(deps.http.trustProxy);
  // The headers of a 200 depend only on the verifier's cached principal: build them once per principal.
  const answers = new WeakMap<TokenPrincipal, HotAnswer>();
  const verifier = deps.core.verifier;
  const gate = deps.tokenGate;

  /** Fastify's req.ip already follows X-Forwarded-For through trusted proxies; X-Real-IP is used when a trusted proxy sends only that. */
  function clientIp(headers: IncomingHttpHeaders, peer: string | undefined, ip: string | undefined): string | undefined {
    const real = headers['x-real-ip'];
    if (typeof real === 'string' && real && !headers['x-forwarded-for'] && trusted(peer)) return real.trim();
    return ip;
  }

  /** The 200 for a principal: built once per principal (its headers depend on nothing else). */
  function passed(p: TokenPrincipal): HotAnswer {
    let a = answers.get(p);
    if (!a) {
      a = {
        status: 200,
        headers: {
          'x-patd-user': p.user.username,
          'x-patd-user-id': p.user.id,
          'x-patd-token-id': p.token.id,
          'x-patd-scopes': p.token.scopes.join(' '),
          'x-patd-orgs': p.orgs.join(','),
          'cache-control': 'no-store',
          'content-length': '0',
        },
      };
      answers.set(p, a);
    }
    return a;
  }

  /**
   * The hot path's answer (hot-path.ts) to `GET /auth/verify` without a query: a token the
   * cache admits, with no X-Patd-Scope/X-Patd-Org requirement and no block on the client.
   * Everything else is left to `check`.
   */
  const hot = (req: HotRequest): HotAnswer | undefined => {
    const h = req.raw.headers;
    if (h['x-patd-scope'] !== undefined || h['x-patd-org'] !== undefined) return undefined;
    const secret = tokenFromAuthorization(h.authorization);
    if (typeof secret !== 'string') return undefined;
    const ip = clientIp(h, req.raw.socket.remoteAddress, req.ip);
    if (gate?.refusal(ip)) return undefined;
    const p = verifier.verifyHit(secret, { ip });
    return p && passed(p);
  };

  async function check(req: FastifyRequest, reply: FastifyReply, useQuery: boolean) {
    const secret = tokenFromAuthorization(req.headers.authorization);
    const ip = clientIp(req.headers, req.socket.remoteAddress, req.ip);
    try {
      // Synchronous: a map look-up, and nothing at all while no client is over the limit.
      const blocked = gate?.refusal(ip);
      if (blocked) throw blocked;
      if (secret === null) throw new PatdError('unauthenticated', 'send a personal access token (Basic or Bearer)');
      if (secret === undefined) throw new PatdError('token_invalid', 'the Authorization header could not be read');
      const q = useQuery ? (req.query as Record<string, unknown>) : {};
      const scopes = [...list(q.scope), ...list(req.headers['x-patd-scope'])];
      const orgs = [...list(q.org), ...list(req.headers['x-patd-org'])];
      let p: TokenPrincipal | undefined;
      for (let i = 0; i < Math.max(1, scopes.length, orgs.length); i++) {
        const o = { scope: scopes[i], org: orgs[i], ip };
        // Synchronous when the cache can decide (the usual case); storage only on a miss.
        p = verifier.verifyCached(secret, o) ?? (await verifier.verify(secret, o));
      }
      if (!p) throw new PatdError('token_invalid');
      const a = passed(p);
      return reply.code(a.status).headers(a.headers).send();
    } catch (e) {
      if (!(e instanceof PatdError)) throw e;
      // A credential was presented and refused: counted (in the background). No credential at all is not a guess.
      if (e.status === 401 && e.code !== 'unauthenticated') gate?.failed(ip);
      if (e.extras.retryAfter !== undefined) reply.header('retry-after', String(e.extras.retryAfter));
      // Both challenges on every 401, so git, npm, NuGet and curl prompt for (or retry with) a password.
      const ch = challengeFor(e);
      const header = e.status === 401 && e.code !== 'unauthenticated' ? `${BASIC}, ${ch}` : ch;
      if (header) reply.header('www-authenticate', header);
      return reply.code(e.status).header('cache-control', 'no-store').type('application/problem+json').send(problemBody(e, req));
    }
  }

  const opts = { config: { auth: 'none' as const }, logLevel: 'warn' as const };
  const summary = 'Forward-auth: may this request pass? (nginx auth_request, Traefik ForwardAuth; HEAD too)';
  const description = 'Envoy ext_authz (path_prefix /auth/verify, any method) calls /auth/verify/{client path} with the same answers; there the requirements come from the headers only.';
  // Encapsulated, so that these routes share one quiet logger instead of a pino child per
  // request (a measurable share of a request this small); warnings and errors still log.
  await app.register(async (scope) => {
    const quiet = deps.logger.child({ route: 'forward-auth' }, { level: 'warn' });
    scope.setChildLoggerFactory(() => quiet as unknown as ReturnType<Parameters<typeof scope.setChildLoggerFactory>[0]>);
    scope.route({
      ...opts, config: { ...opts.config, openapi: verifyDoc, hot }, schema: { tags: ['forward-auth'], operationId: 'forwardAuth', summary, description },
      method: ['GET', 'HEAD'], url: '/auth/verify', handler: (req, reply) => check(req, reply, true),
    });
    scope.route({ ...opts, schema: { hide: true }, method: [...ENVOY_METHODS], url: '/auth/verify/*', handler: (req, reply) => check(req, reply, false) });
  });
};
