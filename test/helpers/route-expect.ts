import assert from 'node:assert/strict';
import type { LightMyRequestResponse } from 'fastify';
import type { World } from './security-world.js';

type Res = LightMyRequestResponse;
const ctype = (res: Res) => String(res.headers['content-type'] ?? '');
const challenge = (res: Res) => [res.headers['www-authenticate'] ?? []].flat().join(', ');

/** API answers: RFC 9457 problem details with the status and code. */
export function expectProblem(res: Res, status: number, code: string | string[], what: string): void {
  assert.equal(res.statusCode, status, `${what}: ${res.body.slice(0, 300)}`);
  assert.match(ctype(res), /^application\/problem\+json/, `${what}: content type`);
  const codes = [code].flat();
  assert.ok(codes.includes(res.json().code), `${what}: code ${res.json().code}, expected ${codes.join(' or ')}`);
  if (status === 401) assert.ok(challenge(res), `${what}: a 401 without WWW-Authenticate`);
}

/** 403 insufficient_scope with the Bearer challenge naming the scope. */
export function expectScopeRefusal(res: Res, scope: string, what: string): void {
  expectProblem(res, 403, 'insufficient_scope', what);
  assert.match(challenge(res), new RegExp(`error="insufficient_scope", scope="${scope.replace('*', '\\*')}"`), `${what}: challenge`);
}

/** The sign-in form in place of the page (the address stays): a GET answers 200, a POST 401. */
export function expectSignInPage(res: Res, status: number, what: string): void {
  assert.equal(res.statusCode, status, `${what}: ${res.body.slice(0, 200)}`);
  assert.match(ctype(res), /^text\/html/, `${what}: content type`);
  assert.ok(res.body.includes('name="login_csrf"'), `${what}: not the sign-in form`);
  assert.equal(res.headers['cache-control'], 'no-store', `${what}: cache-control`);
}

/** An HTML refusal (403/404 …) with the page headers. */
export function expectPageRefusal(res: Res, statuses: number[], what: string): void {
  assert.ok(statuses.includes(res.statusCode), `${what}: ${res.statusCode}, expected ${statuses.join(' or ')}: ${res.body.slice(0, 200)}`);
  assert.match(ctype(res), /^text\/html/, `${what}: content type`);
  assert.equal(res.headers['cache-control'], 'no-store', `${what}: cache-control`);
}

/** What git shows: text/plain "patd: … (code X)", with the challenges on a 401. */
export function expectGitRefusal(res: Res, status: number, code: string | null, what: string): void {
  assert.equal(res.statusCode, status, `${what}: ${res.body}`);
  assert.match(ctype(res), /^text\/plain/, `${what}: content type`);
  assert.ok(res.body.startsWith('patd: '), `${what}: ${res.body}`);
  if (code) assert.ok(res.body.includes(`(code ${code})`), `${what}: ${res.body}`);
  if (status === 401) {
    assert.match(challenge(res), /Basic realm="patd"/, `${what}: git needs the Basic challenge to prompt`);
    if (code) assert.match(challenge(res), /error="invalid_token"/, `${what}: challenge`);
  }
}

/** RFC 6749 §5.2 errors: JSON `{error, error_description}`, never cached. */
export function expectOAuthError(res: Res, status: number, error: string | string[], what: string): void {
  assert.equal(res.statusCode, status, `${what}: ${res.body}`);
  assert.match(ctype(res), /^application\/json/, `${what}: content type`);
  assert.ok([error].flat().includes(res.json().error), `${what}: error ${res.json().error}`);
  assert.equal(res.headers['cache-control'], 'no-store', `${what}: cache-control`);
  if (status === 401) assert.match(challenge(res), /Basic realm="patd"/, `${what}: challenge`);
}

/** No answer to a refused caller names a victim's object (beyond what its own URL said). */
export function assertNoMarkers(w: World, url: string, res: Res, what: string): void {
  const asked = decodeURIComponent(url);
  for (const m of w.markers) {
    if (asked.includes(m)) continue;
    assert.ok(!res.body.includes(m), `${what} shows "${m}" to a caller who may not see it`);
  }
}
