import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RouteOptions } from 'fastify';
import { checkDocumented } from '../../src/adapters/http/openapi.js';

const route = (o: Partial<RouteOptions>): RouteOptions => ({ method: 'GET', url: '/api/v1/things', handler: () => {}, ...o }) as RouteOptions;
const ok = { 200: { type: 'object' } };

test('a documented route without an operationId or a success answer stops start-up', () => {
  assert.throws(() => checkDocumented(route({ schema: { response: ok } }), 'none'), /GET \/api\/v1\/things has no operationId/);
  assert.throws(() => checkDocumented(route({ schema: { operationId: 'listThings' } as never }), 'none'), /documents no success response/);
  assert.throws(() => checkDocumented(route({ schema: { operationId: 'listThings', response: { 404: { type: 'object' } } } as never }), 'none'), /no success response/);
  checkDocumented(route({ schema: { operationId: 'listThings', response: ok } as never }), 'none');
  // A success answer documented only (a hot path or a form endpoint) counts too.
  checkDocumented(route({ schema: { operationId: 'listThings' } as never, config: { openapi: { schema: { response: { 204: { type: 'null' } } } } } }), 'none');
});

test('hidden routes and Fastify’s HEAD copies need nothing', () => {
  checkDocumented(route({ schema: { hide: true } as never }), 'none');
  checkDocumented(route({ method: 'HEAD' }), 'none');
});

test('only an auth none route documents a security of its own; the others get theirs from the rule', () => {
  const config = { openapi: { security: [{ bearer: [] }] } };
  const schema = { operationId: 'listThings', response: ok } as never;
  checkDocumented(route({ schema, config }), 'none');
  assert.throws(() => checkDocumented(route({ schema, config }), { scope: 'tokens:read' }), /security comes from its auth rule/);
});
