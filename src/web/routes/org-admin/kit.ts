import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Caller } from '../../../core/model.js';
import type { OrgAccess } from '../../../core/orgs/access.js';
import type { OrgView } from '../../../core/orgs/service.js';
import { type SignedCtx, signedIn, type WebKit } from '../kit.js';
import { queryParam } from '../form.js';

/** A page of an org for one of its admins: the caller, the OrgAccess its use cases check, the org as the caller sees it. */
export type OrgCtx = SignedCtx & { caller: Caller; a: OrgAccess; org: OrgView };

export const routeOpts = { config: { auth: 'none' as const }, schema: { hide: true } };

/** A path parameter (bounded: use cases check the shape). */
export const param = (req: FastifyRequest, name: string) => String((req.params as Record<string, string>)[name] ?? '').slice(0, 64);

/**
 * Runs an org admin page: signed in (a POST also needs the CSRF field), then the org resolved
 * for the caller with the admin role by the same `orgs.access` the API uses — a member gets 403,
 * a non-member (or another org's admin) 404. `back` is the page a refused POST leads back to.
 */
export function orgAdmin(k: WebKit, req: FastifyRequest, reply: FastifyReply, handler: (c: OrgCtx) => Promise<unknown>, o: { back?: string; title?: string } = {}) {
  const returnTo = req.method === 'GET' ? req.url : (o.back ?? `/orgs/${encodeURIComponent(param(req, 'org'))}`);
  return signedIn(k, req, reply, { returnTo, title: o.title }, async (ctx) => {
    const caller = k.sessions.callerOf(req, ctx.viewer.user);
    const a = await k.deps.orgs.access(caller, param(req, 'org'), 'admin');
    return handler({ ...ctx, caller, a, org: k.deps.orgs.view(a) });
  });
}

/** The `?done=` notice key of a page, when it is one of the page's own (post/redirect/get: never a free text). */
export function noticeKey<K extends string>(req: FastifyRequest, notices: Record<K, string>): K | undefined {
  const n = queryParam(req.query, 'done');
  return n && Object.hasOwn(notices, n) ? (n as K) : undefined;
}

/** "no user bob" → "No user bob."; a message that starts with a name (`name`: "bob is disabled") keeps its case. */
export function sentence(m: string, name?: string): string {
  const start = name && m.startsWith(name) ? m : `${m.charAt(0).toUpperCase()}${m.slice(1)}`;
  return `${start}${/[.!?]$/.test(m) ? '' : '.'}`;
}

/** The cursor of a list page, if any. */
export const cursorOf = (req: FastifyRequest) => queryParam(req.query, 'cursor', 400) || null;
