import { authorizeRequest, type Problem, type RequireOptions } from './access.js';
import type { ActiveResult } from './types.js';

/** The parts of a node:http / Express / Connect request the middleware uses. */
export interface NodeLikeRequest {
  headers: { authorization?: string | string[] | undefined };
  /** Route parameters (Express), for an `org` function. */
  params?: any;
  /** Set by `requireToken` when the token is accepted. */
  patd?: ActiveResult;
}

/** The parts of a node:http `ServerResponse` (or Express `Response`) the middleware uses. */
export interface NodeLikeResponse {
  statusCode: number;
  setHeader(name: string, value: string): unknown;
  end(chunk: string): unknown;
}

/** Options of `requireToken`. */
export type RequireTokenOptions<Req extends NodeLikeRequest = NodeLikeRequest> = RequireOptions<Req>;

/** An Express/Connect-style middleware. */
export type Middleware<Req extends NodeLikeRequest = NodeLikeRequest> = (
  req: Req,
  res: NodeLikeResponse,
  next: (err?: unknown) => void,
) => void;

/** Write a refusal to a node:http response. */
export function sendProblem(res: NodeLikeResponse, problem: Problem): void {
  res.statusCode = problem.status;
  for (const [name, value] of Object.entries(problem.headers)) res.setHeader(name, value);
  res.end(JSON.stringify(problem.body));
}

/**
 * Express/Connect (and plain node:http) middleware that lets a request through only with
 * an active patd token carrying `scope` and valid for `org`. On success it sets
 * `req.patd` (an `ActiveResult`) and calls `next()`. Otherwise it answers itself with an
 * RFC 9457 problem: 401 `unauthenticated` (no credentials), 401 `token_invalid`, 403
 * `insufficient_scope`, 403 `org_forbidden`, or 503 `verifier_unavailable` when patd
 * cannot be asked.
 *
 * @example
 * ```ts
 * import express from 'express';
 * import { createVerifier, requireToken } from '@patd/sdk';
 *
 * const verifier = createVerifier({ url, clientId, clientSecret });
 * const app = express();
 * app.get('/:org/packages', requireToken({ verifier, scope: 'packaging:read', org: (req) => req.params.org }),
 *   (req, res) => res.json({ user: req.patd.username }));
 * ```
 */
export function requireToken<Req extends NodeLikeRequest = NodeLikeRequest>(opts: RequireTokenOptions<Req>): Middleware<Req> {
  if (!opts?.verifier) throw new TypeError('requireToken: "verifier" is required');
  return (req, res, next) => {
    authorizeRequest(req, opts).then((outcome) => {
      if (!outcome.ok) return sendProblem(res, outcome.problem);
      req.patd = outcome.result;
      next();
    }, next);
  };
}
