import type { CoreDeps } from '../deps.js';
import { newId, randomSecret, sha256Hex } from '../ids.js';
import type { Session, User } from '../model.js';
import type { Repos } from '../ports.js';

/** How a session was started; recorded in `session.created`. */
export type SignInMethod = 'password' | 'oidc';

/**
 * Starts a session for a user who has proved who they are (password or OIDC), in the caller's
 * transaction: stores the session (by the cookie's digest) and records `session.created`.
 * Returns the cookie value, which is never stored.
 */
export async function openSession(
  d: CoreDeps, r: Repos, u: User, at: number, from: { ip: string | null; userAgent: string | null }, details: { method: SignInMethod } & Record<string, unknown>,
): Promise<{ session: Session; cookie: string }> {
  const cookie = randomSecret(32);
  const session: Session = {
    id: sha256Hex(cookie), publicId: newId('ses'), userId: u.id, csrfToken: randomSecret(24), createdAt: at,
    expiresAt: at + d.settings.sessionDays * 86_400_000, ip: from.ip, userAgent: from.userAgent, lastSeenAt: at, lastSeenIp: from.ip,
  };
  await r.sessions.insert(session);
  await d.events.record(r, { actor: { type: 'user', id: u.id, name: u.username }, ...from }, at, {
    action: 'session.created', targetType: 'user', targetId: u.id, subjectUserId: u.id, details,
  });
  return { session, cookie };
}
