import type { CoreDeps } from '../deps.js';
import { PatdError } from '../errors.js';
import type { RequestContext, User } from '../model.js';
import { checkPassword } from './password.js';

/**
 * Sets a user's password without knowing the old one: the operator at the CLI (`patd user
 * passwd`) or an instance admin. Whoever might have had the old password is signed out:
 * every session of the user ends. The audit event never carries the password.
 *
 * `by` is the instance admin doing it, or null for the operator (the CLI's system actor).
 */
export async function resetPassword(d: CoreDeps, ctx: RequestContext, by: User | null, userId: string, password: string): Promise<User> {
  if (by ? !by.isAdmin : ctx.actor.type !== 'system') throw new PatdError('forbidden', 'only an instance admin can reset a password');
  checkPassword(password, 'password');
  const hash = await d.hasher.hash(password);
  const now = d.clock.now();
  return d.store.tx(async (r) => {
    const u = await r.users.byId(userId);
    if (!u) throw new PatdError('not_found', 'no such user');
    if (u.serviceOrgId !== null) throw new PatdError('validation_failed', 'a service account has no password: it uses tokens only', { field: 'username' });
    await r.users.update(u.id, { passwordHash: hash });
    await r.sessions.deleteForUser(u.id);
    await d.events.record(r, ctx, now, {
      action: 'user.password_reset', targetType: 'user', targetId: u.id, subjectUserId: u.id,
      details: { username: u.username, sessionsEnded: true },
    });
    return { ...u, passwordHash: hash };
  });
}
