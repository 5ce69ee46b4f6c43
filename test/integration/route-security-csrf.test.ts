import { after, before, describe, test } from 'node:test';
import { dialects } from '../helpers/db.js';
import { expectPageRefusal, expectProblem } from '../helpers/route-expect.js';
import { actorFor, fill, pageForm, sampleOf, unchanged } from '../helpers/route-fixtures.js';
import { classify, key, type RouteInfo, UNSAFE } from '../helpers/route-table.js';
import { buildWorld, formBody, type World } from '../helpers/security-world.js';

/**
 * Cross-site requests on every route: a cookie caller of the API must send X-CSRF-Token, a
 * page form must carry its session's csrf_token, and a form posted to the JSON API is 415
 * before anything reads it. Every refusal changes nothing.
 */
for (const dialect of await dialects()) {
  describe(`cross-site requests on every route (${dialect})`, () => {
    let w: World;
    before(async () => {
      w = await buildWorld(dialect);
    });
    after(() => w.stop());

    const unsafe = (pick: (r: RouteInfo) => boolean) => w.routes.filter((r) => UNSAFE.has(r.method) && pick(r));
    const cookieApi = (r: RouteInfo) => classify(r).kind === 'api' && r.auth !== 'none' && !r.auth?.patOnly;
    const page = (r: RouteInfo) => classify(r).kind === 'page' || classify(r).kind === 'sign-in';

    test('the API with the session cookie but without, or with a wrong or another session\'s X-CSRF-Token: 403 csrf_failed', async () => {
      await unchanged(w, async () => {
        for (const r of unsafe(cookieApi)) {
          const session = actorFor(w, r).session;
          const json = r.body ? { json: sampleOf(r.body) } : {};
          for (const [how, csrf] of [['none', null], ['empty', ''], ['wrong', `${session.csrf.slice(0, -2)}xx`], ['another session\'s', w.mallory.session.csrf]] as const) {
            expectProblem(await w.call(r.method, fill(w, r), { cred: { session, csrf }, ...json }), 403, 'csrf_failed', `${key(r)} (${how} CSRF token)`);
          }
        }
      });
    });

    test('every page form without, or with a wrong or another session\'s csrf_token: an HTML 403', async () => {
      await unchanged(w, async () => {
        for (const r of unsafe(page)) {
          const session = actorFor(w, r).session;
          const url = fill(w, r);
          for (const [how, csrf] of [['none', null], ['empty', ''], ['wrong', `${session.csrf.slice(0, -2)}xx`], ['another session\'s', w.mallory.session.csrf]] as const) {
            // Sign-in has no session yet: its form carries the login-CSRF value of a cookie another site cannot send.
            const signIn = r.url === '/signin';
            const form = { ...pageForm(w, r, csrf), ...(signIn ? signInFields(csrf) : {}) };
            expectPageRefusal(await w.call(r.method, url, { cred: signIn ? null : { session }, form }), [403], `${key(r)} (${how} csrf_token)`);
          }
          // The token in the query string instead of the form does not count.
          const inQuery = `${url}${url.includes('?') ? '&' : '?'}csrf_token=${encodeURIComponent(session.csrf)}`;
          if (r.url !== '/signin') expectPageRefusal(await w.call(r.method, inQuery, { cred: { session }, form: pageForm(w, r, null) }), [403], `${key(r)} (csrf_token in the query)`);
        }
      });
    });

    test('a form posted cross-site to the JSON API (cookie or cached Basic credential): 415 before anything reads it', async () => {
      await unchanged(w, async () => {
        for (const r of unsafe((x) => classify(x).kind === 'api' || classify(x).kind === 'api-public')) {
          const a = actorFor(w, r);
          const fields = { username: a.username, password: `${a.username}-password-1`, name: 'x', scopes: '*', role: 'owner', action: 'approve' };
          const bodies = [
            { type: 'application/x-www-form-urlencoded', body: formBody(fields) },
            { type: 'multipart/form-data; boundary=x', body: '--x\r\nContent-Disposition: form-data; name="name"\r\n\r\nx\r\n--x--\r\n' },
            { type: 'text/plain', body: JSON.stringify(fields) },
          ];
          for (const raw of bodies) {
            for (const cred of [{ session: a.session, csrf: null }, { basic: a.pat }]) {
              expectProblem(await w.call(r.method, fill(w, r), { cred, raw }), 415, 'unsupported_media_type', `${key(r)} (${raw.type})`);
            }
          }
        }
      });
    });
  });
}

/** A sign-in form posted with the given login-CSRF value and no login-CSRF cookie (as from another site). */
const signInFields = (csrf: string | null): Record<string, string> => ({
  username: 'alice', password: 'alice-password-1', return_to: '/tokens', ...(csrf === null ? {} : { login_csrf: csrf }),
});
