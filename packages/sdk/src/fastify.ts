import { authorizeRequest, type RequireOptions } from './access.js';
import type { ActiveResult, Verifier } from './types.js';

/** The parts of a Fastify request the preHandler uses (no runtime import of fastify). */
export interface FastifyLikeRequest {
  headers: { authorization?: string | string[] | undefined };
  /** Route parameters, for an `org` function. */
  params?: any;
  /** Set by the preHandler when the token is accepted. */
  patd?: ActiveResult | null;
}

/** The parts of a Fastify reply the preHandler uses. */
export interface FastifyLikeReply {
  code(statusCode: number): unknown;
  header(name: string, value: string): unknown;
  send(payload?: unknown): unknown;
}

/** The parts of a Fastify instance the plugin uses. */
export interface FastifyLikeInstance {
  decorate(name: string, value: unknown): unknown;
  decorateRequest(name: string, value: unknown): unknown;
}

/** A Fastify `preHandler` hook. */
export type PatdPreHandler<Req extends FastifyLikeRequest = FastifyLikeRequest> = (
  request: Req,
  reply: FastifyLikeReply,
) => Promise<unknown>;

/**
 * A Fastify `preHandler` that lets a request through only with an active patd token
 * carrying `scope` and valid for `org`; it sets `request.patd` (an `ActiveResult`).
 * Refusals are the same RFC 9457 problems as `requireToken`'s.
 *
 * @example
 * ```ts
 * app.get('/:org/builds', {
 *   preHandler: fastifyRequireToken({ verifier, scope: 'build:read', org: (req) => req.params.org }),
 * }, async (req) => ({ user: req.patd?.username }));
 * ```
 */
export function fastifyRequireToken<Req extends FastifyLikeRequest = FastifyLikeRequest>(opts: RequireOptions<Req>): PatdPreHandler<Req> {
  if (!opts?.verifier) throw new TypeError('fastifyRequireToken: "verifier" is required');
  return async (request, reply) => {
    const outcome = await authorizeRequest(request, opts);
    if (outcome.ok) {
      request.patd = outcome.result;
      return undefined;
    }
    const { status, headers, body } = outcome.problem;
    reply.code(status);
    for (const [name, value] of Object.entries(headers)) reply.header(name, value);
    return reply.send(JSON.stringify(body));
  };
}

/** Options of `patdFastify`: the verifier, and defaults for `app.patdRequire()`. */
export interface PatdFastifyOptions {
  verifier: Pick<Verifier, 'verify'>;
  realm?: string;
  onError?: (err: unknown) => void;
}

/** `app.patdRequire({ scope, org })`, added by `patdFastify`. */
export type PatdRequire = (opts?: Omit<RequireOptions<FastifyLikeRequest>, 'verifier'>) => PatdPreHandler;

/**
 * Fastify plugin: decorates the request with `patd` (null until a preHandler accepts a
 * token) and the instance with `patdVerifier` and `patdRequire(opts)`, a preHandler
 * factory using the plugin's verifier. Not encapsulated (like `fastify-plugin`), so the
 * decorations are visible in the app that registers it.
 *
 * @example
 * ```ts
 * await app.register(patdFastify, { verifier });
 * app.get('/work', { preHandler: app.patdRequire({ scope: 'work:read' }) }, async (req) => req.patd);
 * ```
 */
export function patdFastify(app: FastifyLikeInstance, opts: PatdFastifyOptions, done: (err?: Error) => void): void {
  if (!opts?.verifier) {
    done(new TypeError('patdFastify: "verifier" is required'));
    return;
  }
  const { verifier, realm, onError } = opts;
  const patdRequire: PatdRequire = (o = {}) =>
    fastifyRequireToken({ ...(realm === undefined ? {} : { realm }), ...(onError ? { onError } : {}), ...o, verifier });
  app.decorateRequest('patd', null);
  app.decorate('patdVerifier', verifier);
  app.decorate('patdRequire', patdRequire);
  done();
}

Object.assign(patdFastify, {
  [Symbol.for('skip-override')]: true,
  [Symbol.for('fastify.display-name')]: '@patd/sdk',
  [Symbol.for('plugin-meta')]: { name: '@patd/sdk', fastify: '4.x || 5.x' },
});
