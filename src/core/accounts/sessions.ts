import type { CoreDeps } from '../deps.js';
import { PatdError } from '../errors.js';
import type { Caller, Session } from '../model.js';
import { contextOf } from '../model.js';

/** A session as its owner sees it: never the cookie, its digest or the CSRF token. */
export interface SessionView {
  id: string;
  current: boolean;
  createdAt: string;
  lastSeenAt: string;
  expiresAt: string;
  ip: string | null;
  lastSeenIp: string | null;
  userAgent: string | null;
}

const iso = (t: number) => new Date(t).toISOString();

export const sessionView = (s: Session, currentId: string | null): SessionView => ({
  id: s.publicId, current: s.id === currentId, createdAt: iso(s.createdAt), lastSeenAt: iso(s.lastSeenAt), expiresAt: iso(s.expiresAt),
  ip: s.ip, lastSeenIp: s.lastSeenIp, userAgent: s.userAgent,
});

/** The caller's own sessions: list them, sign out one, or sign out everywhere else. */
export class SessionService {
  constructor(private readonly d: CoreDeps) {}

  async list(caller: Caller, currentId: string | null): Promise<SessionView[]> {
    const all = await this.d.store.r.sessions.listForUser(caller.user.id, this.d.clock.now());
    return all.map((s) => sessionView(s, currentId));
  }

  /** Ends every session of the caller but the current one; returns how many ended. */
  async revokeOthers(caller: Caller, currentId: string): Promise<number> {
    const now = this.d.clock.now();
    return this.d.store.tx(async (r) => {
      const n = await r.sessions.deleteForUserExcept(caller.user.id, currentId);
      await this.d.events.record(r, contextOf(caller), now, {
        action: 'session.revoked', targetType: 'user', targetId: caller.user.id, subjectUserId: caller.user.id, details: { others: true, count: n },
      });
      return n;
    });
  }

  /** Ends one of the caller's sessions (another user's id is not found). Returns whether it was the current one. */
  async revoke(caller: Caller, currentId: string | null, publicId: string): Promise<{ current: boolean }> {
    const now = this.d.clock.now();
    return this.d.store.tx(async (r) => {
      const s = /^ses_[0-9A-Za-z]{1,40}$/.test(publicId) ? await r.sessions.byPublicId(publicId) : null;
      if (!s || s.userId !== caller.user.id || s.expiresAt <= now) throw new PatdError('not_found', 'no such session');
      await r.sessions.delete(s.id);
      await this.d.events.record(r, contextOf(caller), now, {
        action: 'session.revoked', targetType: 'session', targetId: s.publicId, subjectUserId: caller.user.id,
        details: { session: s.publicId, current: s.id === currentId },
      });
      return { current: s.id === currentId };
    });
  }
}
