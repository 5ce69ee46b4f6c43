import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ResourceServerService } from '../../../core/clients/introspection.js';
import type { ResourceClient } from '../../../core/clients/model.js';
import type { ClientService } from '../../../core/clients/service.js';
import { PatdError } from '../../../core/errors.js';
import type { FailureGate } from '../../../core/limits/gate.js';
import type { HttpExtension } from '../deps.js';
import { REALM, sendProblem } from '../problem.js';
import { introspectDoc, revokeDoc } from './oauth-doc.js';

/** An RFC 6749 §5.2 error; these endpoints answer in OAuth's format, not RFC 9457. */
class OAuthError extends Error {
  constructor(readonly status: number, readonly error: string, readonly description: string, readonly retryAfter?: number) {
    super(description);
  }
}

const FORM = 'application/x-www-form-urlencoded';

/** Form decoding of one Basic component (RFC 6749 §2.3.1: id and secret are form-urlencoded). */
function formDecode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    throw new OAuthError(401, 'invalid_client', 'the client credentials could not be decoded');
  }
}

/** The request's form parameters; each at most once (RFC 6749 §3.2). */
function formParams(req: FastifyRequest): Record<string, string> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (req.body !== undefined && req.body !== null && type !== FORM) {
    throw new OAuthError(400, 'invalid_request', `send the parameters as ${FORM}`);
  }
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries((req.body ?? {}) as Record<string, unknown>)) {
    if (Array.isArray(v)) throw new OAuthError(400, 'invalid_request', `the parameter "${k}" is repeated`);
    out[k] = String(v);
  }
  return out;
}

async function authenticateClient(clients: ClientService, req: FastifyRequest, form: Record<string, string>): Promise<ResourceClient> {
  const h = req.headers.authorization;
  const inForm = form.client_id !== undefined || form.client_secret !== undefined;
  let id: string;
  let secret: string;
  if (h) {
    if (inForm) throw new OAuthError(400, 'invalid_request', 'use one client authentication method: HTTP Basic or client_id/client_secret');
    const m = /^basic\s+(\S+)\s*$/i.exec(h);
    const decoded = m?.[1] ? Buffer.from(m[1], 'base64').toString('utf8') : '';
    const colon = decoded.indexOf(':');
    if (colon < 0) throw new OAuthError(401, 'invalid_client', 'authenticate with HTTP Basic: client id and secret');
    id = formDecode(decoded.slice(0, colon));
    secret = formDecode(decoded.slice(colon + 1));
  } else if (inForm) {
    id = form.client_id ?? '';
    secret = form.client_secret ?? '';
  } else {
    throw new OAuthError(401, 'invalid_client', 'client authentication is required (HTTP Basic, or client_id and client_secret)');
  }
  try {
    return await clients.authenticate(id, secret);
  } catch (e) {
    if (e instanceof PatdError && e.code === 'invalid_client') throw new OAuthError(401, 'invalid_client', e.message);
    throw e;
  }
}

function sendOAuthError(reply: FastifyReply, e: OAuthError): FastifyReply {
  if (e.status === 401) reply.header('www-authenticate', `Basic realm="${REALM}", charset="UTF-8"`);
  if (e.retryAfter !== undefined) reply.header('retry-after', String(e.retryAfter));
  return reply.code(e.status).header('cache-control', 'no-store').header('pragma', 'no-cache')
    .type('application/json').send({ error: e.error, error_description: e.description });
}

/**
 * Parses the form, authenticates the client, reads `token`; OAuth-format errors. Failed client
 * authentication is counted per client IP with the other failed token checks; an IP over the
 * limit is refused (429, OAuth's error format) before its credentials are looked at.
 */
async function resourceCall(clients: ClientService, req: FastifyRequest, gate: FailureGate | undefined) {
  const blocked = gate?.refusal(req.ip);
  if (blocked) throw new OAuthError(429, 'temporarily_unavailable', blocked.message, blocked.extras.retryAfter);
  const form = formParams(req);
  let client: ResourceClient;
  try {
    client = await authenticateClient(clients, req, form);
  } catch (e) {
    const presented = req.headers.authorization !== undefined || form.client_id !== undefined || form.client_secret !== undefined;
    if (e instanceof OAuthError && e.status === 401 && presented) gate?.failed(req.ip);
    throw e;
  }
  const token = form.token;
  if (!token) throw new OAuthError(400, 'invalid_request', 'the "token" parameter is required');
  // token_type_hint is optional and may be ignored (RFC 7662 §2.1, RFC 7009 §2.1): patd has one token type.
  return { client, token };
}

/**
 * `POST /oauth/introspect` (RFC 7662) and `POST /oauth/revoke` (RFC 7009) for registered
 * resource servers (`patd client add`).
 */
export function oauthResourceRoutes(clients: ClientService, rs: ResourceServerService): HttpExtension {
  return (app: FastifyInstance, deps) => {
    const gate = deps.tokenGate;
    const config = { auth: 'none' as const };
    const wrap = (fn: (req: FastifyRequest, reply: FastifyReply) => Promise<unknown>) => async (req: FastifyRequest, reply: FastifyReply) => {
      try {
        return await fn(req, reply);
      } catch (e) {
        if (e instanceof OAuthError) return sendOAuthError(reply, e);
        throw e;
      }
    };

    const tags = ['oauth'];
    app.post('/oauth/introspect', {
      config: { ...config, openapi: introspectDoc },
      schema: { tags, operationId: 'oauthIntrospect', summary: 'Token introspection for registered resource servers (RFC 7662); no database read per call' },
    }, wrap(async (req, reply) => {
      const { client, token } = await resourceCall(clients, req, gate);
      const answer = await rs.introspect(client, token);
      return reply.header('cache-control', 'no-store').header('pragma', 'no-cache').send(answer);
    }));

    app.post('/oauth/revoke', {
      config: { ...config, openapi: revokeDoc },
      schema: { tags, operationId: 'oauthRevoke', summary: 'Revoke the token whose secret is presented (RFC 7009); registered resource servers' },
    }, wrap(async (req, reply) => {
      const { client, token } = await resourceCall(clients, req, gate);
      await rs.revoke(client, token, { ip: req.ip, userAgent: req.headers['user-agent'] ?? null });
      return reply.code(200).header('cache-control', 'no-store').send();
    }));

    for (const url of ['/oauth/introspect', '/oauth/revoke']) {
      app.route({
        method: ['GET', 'PUT', 'PATCH', 'DELETE'], url, config, schema: { hide: true },
        handler: (_req, reply) => sendProblem(reply.header('allow', 'POST'), new PatdError('method_not_allowed', `${url} accepts POST only`)),
      });
    }
  };
}
