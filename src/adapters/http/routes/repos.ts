import { type Static, Type } from '@sinclair/typebox';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { OrgAccess } from '../../../core/orgs/service.js';
import { contextOf } from '../../../core/model.js';
import type { RepoService } from '../../../core/repos/service.js';
import { caller, callerFromToken } from '../auth.js';
import type { AppDeps, HttpExtension } from '../deps.js';
import { errors, NoContent } from '../schemas.js';

const RepoView = Type.Object({
  id: Type.String(), org: Type.String(), name: Type.String(), url: Type.String(), createdAt: Type.String(), createdBy: Type.Union([Type.String(), Type.Null()]),
});
const OrgParam = Type.Object({ org: Type.String({ maxLength: 64 }) });
const RepoParam = Type.Object({ org: Type.String({ maxLength: 64 }), repo: Type.String({ maxLength: 120 }) });
const NewRepo = Type.Object({ name: Type.String({ maxLength: 120 }) }, { additionalProperties: false });

/** `GET|POST /api/v1/orgs/{org}/repos`, `DELETE /api/v1/orgs/{org}/repos/{repo}`. */
export const repoRoutes = (repos: RepoService): HttpExtension => async (app, deps) => {
  await app.register(plugin(deps, repos), { prefix: '/api/v1' });
};

const plugin = (deps: AppDeps, repos: RepoService): FastifyPluginAsync => async (app) => {
  const tags = ['repos'];
  /** Org first (404 for what the caller may not see), then for a PAT the org's rules (token orgs, IP allow-list). */
  const access = async (req: FastifyRequest, scope: string): Promise<OrgAccess> => {
    const a = await deps.orgs.access(caller(req), (req.params as { org: string }).org);
    if (caller(req).token) await callerFromToken(deps, req, { scope, org: a.org.name });
    return a;
  };

  app.get('/orgs/:org/repos', {
    config: { auth: { scope: 'code:read' } },
    schema: { tags, operationId: 'listRepos', summary: 'Git repositories of the org', params: OrgParam, response: { 200: Type.Object({ items: Type.Array(RepoView), nextCursor: Type.Null() }), ...errors(401, 403, 404) } },
  }, async (req) => ({ items: await repos.list((await access(req, 'code:read')).org), nextCursor: null }));

  app.post('/orgs/:org/repos', {
    config: { auth: { scope: 'code:manage' } },
    schema: { tags, operationId: 'createRepo', summary: 'Create an empty repository (HEAD on main)', params: OrgParam, body: NewRepo, response: { 201: RepoView, ...errors(400, 401, 403, 404, 409) } },
  }, async (req, reply) => {
    const a = await access(req, 'code:manage');
    return reply.code(201).send(await repos.create(contextOf(caller(req)), a.org, (req.body as Static<typeof NewRepo>).name));
  });

  app.delete('/orgs/:org/repos/:repo', {
    config: { auth: { scope: 'code:manage' } },
    schema: { tags, operationId: 'deleteRepo', summary: 'Delete a repository and everything in it', params: RepoParam, response: { 204: NoContent, ...errors(401, 403, 404) } },
  }, async (req, reply) => {
    const a = await access(req, 'code:manage');
    await repos.remove(contextOf(caller(req)), a.org, (req.params as Static<typeof RepoParam>).repo);
    return reply.code(204).send();
  });
};
