import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../../core/clock.js';
import { constantTimeEqual } from '../../core/ids.js';
import { SecretBox } from '../../core/notifications/signing.js';
import { cookieOf } from './session.js';

const COOKIE = 'patd_new_secret';
const MAX_AGE_S = 300;

interface Kept {
  t: string;
  s: string;
  secret: string;
  kind: 'created' | 'regenerated';
  exp: number;
}

/**
 * Carries a new secret from the POST that made it to the one GET that shows it
 * (post/redirect/get), without storing it anywhere: sealed (AES-256-GCM, a key of its own from
 * PATD_SECRET) in a short-lived HttpOnly cookie scoped to that token's secret page and bound to
 * the session. The page clears the cookie as it shows the secret, so a reload or the back
 * button finds nothing; any instance sharing PATD_SECRET can show it.
 */
export function secretOnce(instanceSecret: string, clock: Clock, secure: boolean) {
  const box = new SecretBox(instanceSecret, 'web-secret-once');
  const path = (tokenId: string) => `/tokens/${encodeURIComponent(tokenId)}/secret`;
  const options = (at: string) => ({ httpOnly: true, sameSite: 'strict', secure, path: at }) as const;
  return {
    path,
    /** `at`: the page that shows it, when it is not the token's own secret page (a service account's token, a webhook's signing secret). */
    keep(reply: FastifyReply, k: Omit<Kept, 'exp'>, at = path(k.t)): void {
      const sealed = box.seal(JSON.stringify({ ...k, exp: clock.now() + MAX_AGE_S * 1000 }));
      reply.setCookie(COOKIE, sealed, { ...options(at), maxAge: MAX_AGE_S });
    },
    /** The secret for this token (or webhook) and session, once; the cookie is cleared either way. */
    take(req: FastifyRequest, reply: FastifyReply, tokenId: string, sessionId: string, at = path(tokenId)): Pick<Kept, 'secret' | 'kind'> | null {
      const raw = cookieOf(req, COOKIE);
      if (raw === undefined) return null;
      reply.clearCookie(COOKIE, options(at));
      if (raw.length > 2048 || !raw.startsWith('v1.')) return null;
      try {
        const k = JSON.parse(box.open(raw)) as Kept;
        const ok = k.t === tokenId && typeof k.s === 'string' && constantTimeEqual(k.s, sessionId) && k.exp > clock.now() && typeof k.secret === 'string';
        return ok ? { secret: k.secret, kind: k.kind === 'regenerated' ? 'regenerated' : 'created' } : null;
      } catch {
        return null; // tampered, expired key, not ours
      }
    },
  };
}

export type SecretOnce = ReturnType<typeof secretOnce>;
