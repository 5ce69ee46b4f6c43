import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { ADO_ALIASES } from '../../../core/scopes/catalog.js';
import type { AppDeps } from '../deps.js';

const ScopeList = Type.Object({
  items: Type.Array(Type.Object({ id: Type.String(), description: Type.String(), implies: Type.Array(Type.String()) })),
  aliases: Type.Record(Type.String(), Type.String()),
});

export const scopeRoutes = (deps: AppDeps): FastifyPluginAsync => async (app) => {
  app.get('/scopes', {
    config: { auth: 'none' },
    schema: { tags: ['scopes'], operationId: 'listScopes', summary: 'The scope catalog in force (default and operator scopes) and the Azure DevOps aliases', response: { 200: ScopeList } },
  }, async () => ({ items: deps.core.catalog.list(), aliases: ADO_ALIASES }));
};
