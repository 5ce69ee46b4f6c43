import type { FastifyReply, FastifyRequest } from 'fastify';
import { parseCookie, type SerializeOptions, stringifySetCookie } from 'cookie';

export type CookieOptions = Omit<SerializeOptions, 'encode'>;

/**
 * Cookies, read and written only by the routes that use them (sign-in, sign-out, the pages, OIDC,
 * the once-shown secret), with jshttp's `cookie`. A plugin would add an onSend hook to every route
 * of its scope, token requests included, which set no cookie (the hot path, bench/pinned.ts).
 */
export function readCookie(req: FastifyRequest, name: string): string | undefined {
  const h = req.headers.cookie;
  return h ? parseCookie(h)[name] : undefined;
}

/** Adds a Set-Cookie header (SameSite=Lax unless the options say otherwise). */
export function setCookie(reply: FastifyReply, name: string, value: string, opts: CookieOptions = {}): void {
  reply.header('set-cookie', stringifySetCookie(name, value, { sameSite: 'lax', path: '/', ...opts }));
}

/** Tells the browser to drop a cookie: the same name, path and flags, empty and already expired. */
export function clearCookie(reply: FastifyReply, name: string, opts: CookieOptions = {}): void {
  setCookie(reply, name, '', { ...opts, expires: new Date(0), maxAge: 0 });
}
