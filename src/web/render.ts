import type { FastifyReply, FastifyRequest } from 'fastify';
import type { VNode } from 'preact';
import { renderToString } from 'preact-render-to-string';

/**
 * Pages are Preact components rendered to a string on the server (no hydration, no client
 * framework): JSX escapes every text and attribute value unless a component asks for raw
 * HTML, which none does (see docs/architecture.md).
 */
export const renderPage = (page: VNode): string => `<!doctype html>\n${renderToString(page)}\n`;

/**
 * Scripts and styles only from patd's own /assets (no inline script, no inline style), forms
 * only to patd, never framed, no <base> tricks.
 */
export const PAGE_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/** Sends a page with the headers every page gets: never cached (pages show account data and secrets), no framing, the CSP. */
export function sendPage(reply: FastifyReply, status: number, page: VNode) {
  return reply.code(status)
    .header('cache-control', 'no-store')
    .header('x-frame-options', 'DENY')
    .header('content-security-policy', PAGE_CSP)
    .header('referrer-policy', 'no-referrer')
    .header('x-content-type-options', 'nosniff')
    .type('text/html; charset=utf-8').send(renderPage(page));
}

/** 303 See Other, never cached: how every page form ends (post/redirect/get) and how sign-in hands over. */
export function seeOther(reply: FastifyReply, location: string) {
  return reply.code(303).header('cache-control', 'no-store').redirect(location, 303);
}

/** A browser asking for a page (not the API, not a script): it gets HTML errors instead of problem details. */
export function wantsHtml(req: FastifyRequest): boolean {
  const path = req.url;
  if (path.startsWith('/api/') || (req.method !== 'GET' && req.method !== 'HEAD')) return false;
  return /\btext\/html\b/.test(req.headers.accept ?? '');
}
