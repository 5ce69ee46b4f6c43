import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { PatdError } from '../../../core/errors.js';
import type { RepoService } from '../../../core/repos/service.js';
import { runHttpBackend } from '../../git/backend.js';
import { callerFromToken } from '../auth.js';
import { tokenFromAuthorization } from '../credentials.js';
import type { AppDeps, HttpExtension } from '../deps.js';
import { CHALLENGE_NONE, challengeFor, REALM, toPatdError } from '../problem.js';

type Service = 'git-upload-pack' | 'git-receive-pack';

/** The smart HTTP endpoints; anything else under /_git/ is not served. */
function parseRest(method: string, rest: string, service: string | undefined): Service | null {
  if (method === 'GET' && rest === 'info/refs' && (service === 'git-upload-pack' || service === 'git-receive-pack')) return service;
  if (method === 'POST' && (rest === 'git-upload-pack' || rest === 'git-receive-pack')) return rest;
  return null;
}

/** Git smart HTTP at /{org}/_git/{repo}, served by `git http-backend`, guarded by PATs. */
export const gitRoutes = (repos: RepoService, projectRoot: string, gitBin = 'git'): HttpExtension => async (app, deps) => {
  await app.register(plugin(deps, repos, projectRoot, gitBin));
};

const plugin = (deps: AppDeps, repos: RepoService, projectRoot: string, gitBin: string): FastifyPluginAsync => async (app) => {
  // Pack data is streamed to the backend as it arrives: Fastify must not read or limit it.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_req, _payload, done) => done(null));

  const handler = async (req: FastifyRequest, reply: FastifyReply) => {
    const p = req.params as { org: string; repo: string; '*': string };
    const q = req.query as { service?: string };
    const service = parseRest(req.method, p['*'] ?? '', typeof q.service === 'string' ? q.service : undefined);
    try {
      if (!service) throw new PatdError('not_found', 'not a git smart HTTP endpoint');
      const blocked = deps.tokenGate?.refusal(req.ip);
      if (blocked) throw blocked;
      const scope = service === 'git-receive-pack' ? 'code:write' : 'code:read';
      if (tokenFromAuthorization(req.headers.authorization) === null) {
        throw new PatdError('unauthenticated', 'sign in with a personal access token as the password');
      }
      // Who is calling (401s first), then the org and repository (404 for what they may not
      // see), then the token's scope and org rules (403).
      const who = await callerFromToken(deps, req);
      const member = who.memberships?.find((m) => m.orgName === p.org);
      const org = member ? await deps.core.store.r.orgs.byId(member.orgId) : null;
      const repo = org ? await repos.find(org, p.repo) : null;
      if (!org || !repo) throw new PatdError('not_found', `repository "${p.org}/${p.repo}" not found`);
      await callerFromToken(deps, req, { scope, org: org.name });
      reply.hijack();
      await runHttpBackend(req.raw, reply.raw, {
        projectRoot, pathInfo: `/${org.name}/${repo.name}.git/${p['*']}`, queryString: req.url.includes('?') ? req.url.slice(req.url.indexOf('?') + 1) : '',
        remoteUser: who.user.username, remoteAddr: req.ip,
      }, req.log, gitBin);
    } catch (e) {
      const refusal = toPatdError(e as Error, req);
      // A token was presented and refused: counted per client IP (in the background).
      if (refusal.status === 401 && refusal.code !== 'unauthenticated') deps.tokenGate?.failed(req.ip);
      return refuse(reply, refusal, service);
    }
  };
  // Git's own protocol (docs/git.md), not part of the API document.
  const schema = { hide: true };
  app.route({ method: ['GET', 'POST'], url: '/:org/_git/:repo/*', schema, handler });
  app.route({ method: ['GET', 'POST'], url: '/:org/_git/:repo', schema, handler: (_req, reply) => refuse(reply, new PatdError('not_found', 'not a git smart HTTP endpoint'), null) });
};

/**
 * Refusals git shows to the person: a text/plain body, which git prints line by line as
 * "remote: …" before its own "fatal: …" line (git's show_http_message).
 */
function refuse(reply: FastifyReply, e: PatdError, service: Service | null): FastifyReply {
  const challenges: string[] = [];
  if (e.status === 401) {
    challenges.push(`Basic realm="${REALM}", charset="UTF-8"`);
    const ch = challengeFor(e);
    if (ch && ch !== CHALLENGE_NONE) challenges.push(ch);
  } else {
    const ch = challengeFor(e);
    if (ch) challenges.push(ch);
  }
  if (challenges.length) reply.header('www-authenticate', challenges);
  if (e.extras.retryAfter !== undefined) reply.header('retry-after', String(e.extras.retryAfter));
  return reply.code(e.status).header('cache-control', 'no-store').header('x-content-type-options', 'nosniff').type('text/plain; charset=utf-8').send(`${gitMessage(e, service)}\n`);
}

function gitMessage(e: PatdError, service: Service | null): string {
  switch (e.code) {
    case 'insufficient_scope': {
      const what = service === 'git-receive-pack' ? 'git push needs' : 'git fetch and clone need';
      return `patd: ${e.message}; ${what} a token with ${e.extras.scope ?? 'more scopes'} (code ${e.code})`;
    }
    case 'unauthenticated':
      return 'patd: authentication required; use a personal access token with code:read (fetch) or code:write (push) as the password';
    default:
      return `patd: ${e.message} (code ${e.code})`;
  }
}
