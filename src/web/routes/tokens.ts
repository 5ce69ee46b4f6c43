import type { FastifyInstance, FastifyRequest } from 'fastify';
import { isPatdError } from '../../core/errors.js';
import { tokenUsage } from '../../core/tokens/usage.js';
import type { TokenView } from '../../core/tokens/view.js';
import type { Snippet } from '../components/secret.js';
import { STATUS_FILTERS, type StatusFilter, tokenListPage } from '../pages/tokens-list.js';
import { TOKEN_NOTICES, type TokenNotice, tokenPage, tokenPath } from '../pages/token.js';
import { tokenSecretPage } from '../pages/token-secret.js';
import { seeOther, sendPage } from '../render.js';
import { field, queryParam } from './form.js';
import { type SignedCtx, signedIn, type WebKit } from './kit.js';
import { renewDays } from './token-form.js';

const PAGE_SIZE = 25;
export const idOf = (req: FastifyRequest) => String((req.params as { id: string }).id).slice(0, 64);

/** `/tokens` (the list), `/tokens/{id}` (one token), its renew form and the one showing of a new secret. */
export function tokenRoutes(app: FastifyInstance, k: WebKit): void {
  const opts = { config: { auth: 'none' as const }, schema: { hide: true } };
  const { deps } = k;

  app.get('/tokens', opts, (req, reply) => signedIn(k, req, reply, { returnTo: req.url }, async (ctx) => {
    const q = req.query;
    const s = queryParam(q, 'status');
    const status: StatusFilter = STATUS_FILTERS.includes(s as StatusFilter) ? (s as StatusFilter) : 'active';
    const search = (queryParam(q, 'q', 120) ?? '').trim();
    const cursor = queryParam(q, 'cursor') || null;
    let page: Awaited<ReturnType<typeof deps.tokens.list>>;
    try {
      page = await deps.tokens.list(ctx.viewer.user, status, { limit: PAGE_SIZE, cursor }, search);
    } catch (e) {
      if (!isPatdError(e) || e.code !== 'validation_failed') throw e;
      page = await deps.tokens.list(ctx.viewer.user, status, { limit: PAGE_SIZE, cursor: null }, search); // a stale or edited cursor: the first page
    }
    // Pending invitations are shown to the invitee here too (accept or decline on the spot).
    const invitations = (await deps.invitations?.listMine(k.sessions.callerOf(req, ctx.viewer.user), { limit: 50, cursor: null }))?.items ?? [];
    const notice = queryParam(q, 'done') === 'declined' ? 'The invitation is declined.' : undefined;
    return sendPage(reply, 200, tokenListPage(ctx, { tokens: page.items, nextCursor: page.nextCursor, paged: !!cursor, status, search, leadDays: k.leadDays, invitations, notice }));
  }));

  const show = async (ctx: SignedCtx, t: TokenView, o: { notice?: TokenNotice; error?: string; days?: number; status?: number }) => {
    const usage = await tokenUsage(deps.core, deps.tokens, ctx.viewer.user, t.id);
    const days = await renewDays(deps, ctx.viewer.user.id, t);
    return { status: o.status ?? 200, page: tokenPage(ctx, { token: t, usage: usage.days, leadDays: k.leadDays, renewDays: days, renewSelected: o.days, notice: o.notice, error: o.error }) };
  };

  app.get('/tokens/:id', opts, (req, reply) => signedIn(k, req, reply, { returnTo: req.url, title: 'Sign in to see your token' }, async (ctx) => {
    const t = await deps.tokens.get(ctx.viewer.user, idOf(req));
    const n = queryParam(req.query, 'done');
    const d = queryParam(req.query, 'days');
    const r = await show(ctx, t, { notice: n && n in TOKEN_NOTICES ? (n as TokenNotice) : undefined, days: d && /^\d{1,4}$/.test(d) ? Number(d) : undefined });
    return sendPage(reply, r.status, r.page);
  }));

  app.post('/tokens/:id/renew', opts, (req, reply) => signedIn(k, req, reply, { returnTo: `/tokens/${encodeURIComponent(idOf(req))}` }, async (ctx) => {
    const t = await deps.tokens.get(ctx.viewer.user, idOf(req));
    const days = field(req.body, 'days') ?? '';
    const refused = async (status: number, error: string) => {
      const r = await show(ctx, t, { error, status });
      return sendPage(reply, r.status, r.page);
    };
    if (!/^\d{1,4}$/.test(days)) return refused(400, 'Choose how many days the token should live.');
    try {
      await deps.tokens.edit(k.sessions.callerOf(req, ctx.viewer.user), ctx.viewer.user, t.id, { expiresInDays: Number(days) });
      return seeOther(reply, `${tokenPath(t)}?done=renewed&days=${days}`);
    } catch (e) {
      if (!isPatdError(e) || e.status >= 500 || e.code === 'not_found') throw e;
      return refused(e.status, `The token was not renewed: ${e.message}.`);
    }
  }));

  app.get('/tokens/:id/secret', opts, (req, reply) => signedIn(k, req, reply, { returnTo: `/tokens/${encodeURIComponent(idOf(req))}` }, async (ctx) => {
    const t = await deps.tokens.get(ctx.viewer.user, idOf(req));
    const kept = k.secrets.take(req, reply, t.id, ctx.signed.session.id);
    const orgs = t.orgs === '*' ? (await deps.orgs.listMine(k.sessions.callerOf(req, ctx.viewer.user))).map((o) => o.name) : t.orgs;
    return sendPage(reply, 200, tokenSecretPage(ctx, t, { secret: kept?.secret ?? null, kind: kept?.kind ?? 'created', snippets: kept ? snippets(k, t, kept.secret, orgs[0]) : [] }));
  }));
}

/** Ready-made uses of a new secret, for what its scopes allow. */
export function snippets(k: WebKit, t: TokenView, secret: string, org: string | undefined): Snippet[] {
  const base = k.deps.http.publicUrl;
  const grants = (s: string) => k.deps.core.catalog.grants(t.scopes, s);
  const out: Snippet[] = [];
  if (grants('code:read')) {
    out.push({ label: 'git clone', text: `git clone ${base}/${org ?? 'ORG'}/_git/REPO`, note: 'When git asks for a password, paste the token (the username can be anything). Replace REPO with the repository.' });
  }
  out.push(grants('profile:read')
    ? { label: 'curl', text: `curl -u :${secret} ${base}/api/v1/me` }
    : { label: 'curl', text: `curl -u :${secret} ${base}/api/v1/tokens/self` });
  if (grants('packaging:read')) {
    out.push({ label: '.npmrc', text: `//npm.example.com/:_authToken=${secret}`, note: 'For a package feed behind patd: replace npm.example.com with its host (and path).' });
  }
  return out;
}
