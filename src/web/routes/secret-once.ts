import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../../core/clock.js';
import { constantTimeEqual } from '../../core/ids.js';
import { SecretBox } from '../../core/notifications/signing.js';
import { clearCookie, readCookie, setCookie } from '../../adapters/http/cookies.js';

const COOKIE = 'patd_new_secret';
const MAX_AGE_S = 300;

interface Kept {
  t: string;
  s: string;
  secret: string;
  kind: 'created' | 'regenerated' | 'password' | 'client';
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
  const cookieOpts = (at: string) => ({ httpOnly: true, sameSite: 'strict', secure, path: at }) as const;
  const keepAt = (reply: FastifyReply, at: string, k: Omit<Kept, 'exp'>): void => {
    const sealed = box.seal(JSON.stringify({ ...k, exp: clock.now() + MAX_AGE_S * 1000 }));
    setCookie(reply, COOKIE, sealed, { ...cookieOpts(at), maxAge: MAX_AGE_S });
  };
  const takeAt = (req: FastifyRequest, reply: FastifyReply, at: string, subject: string, sessionId: string): Pick<Kept, 'secret' | 'kind'> | null => {
    const raw = readCookie(req, COOKIE);
    if (raw === undefined) return null;
    clearCookie(reply, COOKIE, cookieOpts(at));
    if (raw.length > 2048 || !raw.startsWith('v1.')) return null;
    try {
      const k = JSON.parse(box.open(raw)) as Kept;
      const ok = k.t === subject && typeof k.s === 'string' && constantTimeEqual(k.s, sessionId) && k.exp > clock.now() && typeof k.secret === 'string';
      return ok ? { secret: k.secret, kind: k.kind } : null;
    } catch {
      return null; // tampered, expired key, not ours
    }
  };
  return {
    path,
    keep(reply: FastifyReply, k: Omit<Kept, 'exp'>): void {
      keepAt(reply, path(k.t), k);
    },
    /** The secret for this token and session, once; the cookie is cleared either way. */
    take(req: FastifyRequest, reply: FastifyReply, tokenId: string, sessionId: string): { secret: string; kind: 'created' | 'regenerated' } | null {
      const k = takeAt(req, reply, path(tokenId), tokenId, sessionId);
      return k ? { secret: k.secret, kind: k.kind === 'regenerated' ? 'regenerated' : 'created' } : null;
    },
    /**
     * The same for other secrets shown once (a client secret, a generated password): kept for
     * `subject` at the page `at` that shows it, which takes it with the same `at` and `subject`.
     */
    keepAt,
    takeAt,
  };
}

export type SecretOnce = ReturnType<typeof secretOnce>;
