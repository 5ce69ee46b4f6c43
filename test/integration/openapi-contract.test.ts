import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { compileErrors, validate } from '@readme/openapi-parser';
import { ERROR_CODES } from '../../src/core/errors.js';
import { startTestPatd, type TestPatd } from '../helpers/harness.js';
import { routeRecorder, UNSAFE } from '../helpers/route-table.js';

type Security = Record<string, string[]>[];
interface Response { description?: string; content?: Record<string, { schema?: { $ref?: string; properties?: Record<string, { enum?: string[] }> } }> }
interface Operation { operationId?: string; security?: Security; responses: Record<string, Response>; requestBody?: { content: Record<string, unknown> } }
interface Doc { openapi: string; info: { version: string }; paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, { properties: Record<string, { enum?: string[] }> }>; securitySchemes: Record<string, { type: string; in?: string; name?: string }> } }

const PROBLEM = '#/components/schemas/Problem';
const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
const isError = (status: string) => status === 'default' || Number(status) >= 400;

/** The document is the API contract: it validates, names every operation, and says who may call it and how it fails. */
describe('the OpenAPI document', () => {
  let p: TestPatd;
  let doc: Doc;
  const recorder = routeRecorder();
  const operations = () => Object.entries(doc.paths).flatMap(([path, item]) => Object.entries(item).map(([method, op]) => ({ path, method: method.toUpperCase(), op })));
  const op = (method: string, path: string) => {
    const o = doc.paths[path]?.[method.toLowerCase()];
    assert.ok(o, `${method} ${path} is not documented`);
    return o;
  };

  before(async () => {
    p = await startTestPatd('sqlite', { overrides: { onRoute: recorder.onRoute } });
    const res = await p.req('GET', '/api/v1/openapi.json');
    assert.equal(res.statusCode, 200);
    doc = res.json();
  });
  after(() => p.stop());

  test('is valid OpenAPI 3.1 and carries the package version', async () => {
    assert.equal(doc.openapi, '3.1.0');
    const result = await validate(structuredClone(doc) as never);
    assert.ok(result.valid, result.valid ? '' : compileErrors(result));
    assert.equal(doc.info.version, VERSION);
  });

  test('every operation has a unique camelCase operationId, security, a success answer and problem errors', () => {
    const ids = new Map<string, string>();
    const all = operations();
    assert.ok(all.length >= 60, `only ${all.length} operations`);
    for (const { path, method, op: o } of all) {
      const what = `${method} ${path}`;
      assert.match(o.operationId ?? '', /^[a-z][a-zA-Z0-9]+$/, `${what}: operationId`);
      assert.ok(!ids.has(o.operationId!), `${what}: operationId ${o.operationId} is also ${ids.get(o.operationId!)}`);
      ids.set(o.operationId!, what);
      assert.ok(Array.isArray(o.security), `${what}: no security`);
      assert.ok(Object.keys(o.responses).some((s) => /^[23]/.test(s)), `${what}: no success answer`);
      const errors = Object.entries(o.responses).filter(([s]) => isError(s));
      assert.ok(errors.some(([, r]) => r.content?.['application/problem+json']?.schema?.$ref === PROBLEM), `${what}: no problem answer`);
      for (const [status, r] of errors) {
        const problem = r.content?.['application/problem+json'];
        if (problem) assert.equal(problem.schema?.$ref, PROBLEM, `${what} ${status}`);
        // The only other error format is OAuth's (RFC 6749 §5.2), and never for a Problem.
        const json = r.content?.['application/json'];
        if (json) {
          assert.ok(path.startsWith('/oauth/'), `${what} ${status}: a JSON error outside /oauth`);
          assert.ok(json.schema?.properties?.error?.enum?.length, `${what} ${status}: not an OAuth error`);
        }
      }
    }
  });

  test('the Problem schema is named and its code is the closed list', () => {
    assert.deepEqual(Object.keys(doc.components.schemas), ['Problem']);
    assert.deepEqual([...(doc.components.schemas.Problem!.properties.code!.enum ?? [])].sort(), Object.keys(ERROR_CODES).sort());
  });

  test('the integration endpoints are documented; pages, git and the document itself are not', () => {
    for (const [m, path] of [['POST', '/oauth/introspect'], ['POST', '/oauth/revoke'], ['POST', '/oauth/device_authorization'], ['POST', '/oauth/token'], ['GET', '/auth/verify'], ['GET', '/.well-known/patd']] as const) {
      op(m, path);
    }
    assert.ok(op('POST', '/oauth/introspect').requestBody?.content['application/x-www-form-urlencoded']);
    assert.deepEqual(op('POST', '/oauth/introspect').responses['401']!.content!['application/json']!.schema!.properties!.error!.enum, ['invalid_client']);
    for (const path of Object.keys(doc.paths)) {
      assert.ok(path.startsWith('/api/v1/') || path.startsWith('/oauth/') || path === '/auth/verify' || path === '/.well-known/patd', `${path} should not be in the document`);
      assert.notEqual(path, '/api/v1/openapi.json');
      assert.ok(!doc.paths[path]!.head, `HEAD ${path} is GET's`);
    }
  });

  test('security is what each route accepts', () => {
    const tokens = (scope: string[]) => [{ basic: scope }, { bearer: scope }];
    assert.deepEqual(op('GET', '/api/v1/me').security, [...tokens(['profile:read']), { session: [] }]);
    assert.deepEqual(op('POST', '/api/v1/tokens').security, [...tokens(['tokens:manage']), { session: [], csrf: [] }]);
    assert.deepEqual(op('PATCH', '/api/v1/me').security, [{ session: [], csrf: [] }]);
    assert.deepEqual(op('GET', '/api/v1/session').security, [{ session: [] }]);
    assert.deepEqual(op('GET', '/api/v1/tokens/self').security, tokens([]));
    assert.deepEqual(op('GET', '/api/v1/users').security, [...tokens(['*']), { session: [] }]);
    assert.deepEqual(op('POST', '/api/v1/session').security, []);
    assert.deepEqual(op('GET', '/api/v1/scopes').security, []);
    assert.deepEqual(op('POST', '/oauth/introspect').security, [{ client: [] }]);
    assert.deepEqual(op('GET', '/auth/verify').security, tokens([]));
    const csrf = doc.components.securitySchemes.csrf!;
    assert.deepEqual([csrf.type, csrf.in, csrf.name], ['apiKey', 'header', 'X-CSRF-Token']);

    // Every /api route against the rule it declared (read from the app, not from the document).
    let checked = 0;
    for (const r of recorder.routes.filter((x) => x.url.startsWith('/api/v1/') && doc.paths[x.url.replace(/:(\w+)/g, '{$1}')])) {
      const o = op(r.method, r.url.replace(/:(\w+)/g, '{$1}'));
      const what = `${r.method} ${r.url}`;
      const schemes = (o.security ?? []).map((s) => Object.keys(s).sort().join('+'));
      if (r.auth === 'none' || r.auth === undefined) {
        assert.deepEqual(o.security, [], what);
        continue;
      }
      checked++;
      const session = UNSAFE.has(r.method) ? 'csrf+session' : 'session';
      assert.equal(schemes.includes(session), !r.auth.patOnly, `${what}: session`);
      assert.equal(schemes.includes('basic') && schemes.includes('bearer'), !r.auth.sessionOnly, `${what}: tokens`);
      const scope = r.auth.admin ? '*' : r.auth.scope;
      if (scope) assert.deepEqual(o.security?.find((s) => s.bearer)?.bearer, [scope], `${what}: scope`);
      // Who is refused: 401 everywhere, 403 where a scope, a session or CSRF can be missing.
      assert.ok(o.responses['401'], `${what}: 401`);
      if (!r.auth.patOnly || scope) assert.ok(o.responses['403'], `${what}: 403`);
    }
    assert.ok(checked >= 50, `only ${checked} authenticated API routes checked`);
  });

  test('errors are answered as documented: problem+json with a listed code', async () => {
    const res = await p.req('GET', '/api/v1/me');
    assert.equal(res.statusCode, 401);
    assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
    assert.ok(op('GET', '/api/v1/me').responses['401']?.content?.['application/problem+json']);
    assert.ok(doc.components.schemas.Problem!.properties.code!.enum!.includes(res.json().code));
    const form = await p.req('POST', '/api/v1/tokens', { body: 'name=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    assert.equal(form.statusCode, 415);
    assert.ok(op('POST', '/api/v1/tokens').responses['415']?.content?.['application/problem+json']);
  });
});
