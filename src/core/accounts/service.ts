import { commit } from '../changes.js';
import type { CoreDeps } from '../deps.js';
import { PatdError } from '../errors.js';
import { newId, randomSecret, sha256Hex } from '../ids.js';
import type { Caller, Page, PageQuery, RequestContext, Session, User } from '../model.js';
import { contextOf, SYSTEM_ACTOR } from '../model.js';
import { checkEmail, checkName, checkSlug } from '../validate.js';
import { SignInLimits } from '../limits/sign-in.js';
import { checkPassword } from './password.js';
import { openSession } from './session.js';

export interface NewUser {
  username: string;
  email: string;
  displayName?: string;
  password?: string;
  admin?: boolean;
}

export interface UserView {
  id: string;
  username: string;
  email: string;
  displayName: string;
  disabled: boolean;
  admin: boolean;
  createdAt: string;
}

export const userView = (u: User): UserView => ({
  id: u.id, username: u.username, email: u.email, displayName: u.displayName, disabled: u.disabled,
  admin: u.isAdmin, createdAt: new Date(u.createdAt).toISOString(),
});

export interface SignedIn {
  user: User;
  session: Session;
  /** The cookie value; only its digest is stored. */
  cookie: string;
}

const SEEN_EVERY_MS = 60_000;

export class AccountService {
  private readonly limits: SignInLimits;
  private dummyHash: Promise<string> | null = null;

  constructor(private readonly d: CoreDeps) {
    this.limits = new SignInLimits(d);
  }

  /** First start with an empty database: create `admin`. Returns the generated password, if any. */
  async bootstrap(password?: string, email?: string): Promise<{ created: boolean; generatedPassword: string | null }> {
    if ((await this.d.store.r.users.count()) > 0) return { created: false, generatedPassword: null };
    const generated = password ? null : randomSecret(18);
    await this.create({ actor: SYSTEM_ACTOR, ip: null, userAgent: null }, {
      username: 'admin', email: email ?? 'admin@localhost', displayName: 'Administrator', password: password ?? (generated as string), admin: true,
    });
    return { created: true, generatedPassword: generated };
  }

  async create(ctx: RequestContext, n: NewUser): Promise<User> {
    const username = checkSlug('username', n.username);
    const email = checkEmail(n.email);
    const displayName = n.displayName === undefined ? username : checkName('displayName', n.displayName);
    if (n.password !== undefined) this.checkPassword(n.password, 'password');
    const now = this.d.clock.now();
    const u: User = {
      id: newId('usr'), username, email, displayName, disabled: false,
      isAdmin: !!n.admin, serviceOrgId: null, passwordHash: n.password ? await this.d.hasher.hash(n.password) : null, createdAt: now,
    };
    await this.d.store.tx(async (r) => {
      if (await r.users.byUsername(username)) throw new PatdError('conflict', `username "${username}" is taken`, { field: 'username' });
      await r.users.insert(u);
      await this.d.events.record(r, ctx, now, { action: 'user.created', targetType: 'user', targetId: u.id, subjectUserId: u.id, details: { username, admin: u.isAdmin } });
    });
    return u;
  }

  list(q: PageQuery): Promise<Page<User>> {
    return this.d.store.r.users.list(q);
  }

  async byId(id: string): Promise<User> {
    const u = await this.d.store.r.users.byId(id);
    if (!u) throw new PatdError('not_found', 'no such user');
    return u;
  }

  async byUsername(username: string): Promise<User> {
    const u = await this.d.store.r.users.byUsername(username);
    if (!u) throw new PatdError('not_found', `no user "${username.slice(0, 40)}"`);
    return u;
  }

  /** Instance admin edits a user. Disabling stops all their tokens and sessions at once. */
  async adminUpdate(ctx: RequestContext, actingUserId: string | null, id: string, p: { disabled?: boolean; admin?: boolean; email?: string; displayName?: string }): Promise<User> {
    if (p.email !== undefined) checkEmail(p.email);
    const displayName = p.displayName === undefined ? undefined : checkName('displayName', p.displayName);
    if (p.disabled && id === actingUserId) throw new PatdError('forbidden', 'you cannot disable your own account');
    const now = this.d.clock.now();
    return commit(this.d, async (r, changed) => {
      const before = await r.users.byId(id);
      if (!before) throw new PatdError('not_found', 'no such user');
      await r.users.update(id, { disabled: p.disabled, isAdmin: p.admin, email: p.email, displayName });
      if (p.disabled) await r.sessions.deleteForUser(id);
      const orgIds = (await r.members.listForUser(id)).map((m) => m.orgId);
      const action = p.disabled === true && !before.disabled ? 'user.disabled' : p.disabled === false && before.disabled ? 'user.enabled' : 'user.updated';
      await this.d.events.record(r, ctx, now, { action, targetType: 'user', targetId: id, subjectUserId: id, orgIds, details: { changed: Object.keys(p) } });
      changed.user(id);
      return (await r.users.byId(id)) as User;
    });
  }

  /**
   * The caller edits their own profile. A new password or email needs the current password;
   * a new password ends every other session of the user (the one making the change stays).
   */
  async updateMe(caller: Caller, p: { displayName?: string; email?: string; password?: string; currentPassword?: string }, currentSessionId: string | null): Promise<User> {
    if (p.email !== undefined) checkEmail(p.email);
    const displayName = p.displayName === undefined ? undefined : checkName('displayName', p.displayName);
    if (p.password !== undefined) this.checkPassword(p.password, 'password');
    const emailChanges = p.email !== undefined && p.email !== caller.user.email;
    if (p.password !== undefined || emailChanges) await this.checkCurrentPassword(caller.user, p.currentPassword);
    const passwordHash = p.password === undefined ? undefined : await this.d.hasher.hash(p.password);
    const now = this.d.clock.now();
    return this.d.store.tx(async (r) => {
      await r.users.update(caller.user.id, { displayName, email: p.email, passwordHash });
      // A password change is how one locks out whoever else holds a session: end theirs.
      const ended = passwordHash === undefined ? 0 : await r.sessions.deleteForUserExcept(caller.user.id, currentSessionId ?? '');
      await this.d.events.record(r, contextOf(caller), now, {
        action: 'user.updated', targetType: 'user', targetId: caller.user.id, subjectUserId: caller.user.id,
        details: { changed: Object.keys(p).filter((k) => k !== 'currentPassword'), ...(passwordHash !== undefined ? { otherSessionsEnded: ended } : {}) },
      });
      return (await r.users.byId(caller.user.id)) as User;
    });
  }

  private async checkCurrentPassword(u: User, currentPassword: string | undefined): Promise<void> {
    const ok = !!currentPassword && !!u.passwordHash && (await this.d.hasher.verify(u.passwordHash, currentPassword));
    if (!ok) throw new PatdError('invalid_credentials', 'currentPassword is missing or wrong', { field: 'currentPassword' });
  }

  /** Password sign-in; failures are limited per (username, IP) and, much higher, per username. */
  async signIn(username: string, password: string, ip: string | null, userAgent: string | null): Promise<SignedIn> {
    await this.limits.begin(username, ip);
    const u = await this.d.store.r.users.byUsername(username.toLowerCase());
    // Same work whether or not the user exists, so timing does not tell usernames apart.
    const ok = u?.passwordHash ? await this.d.hasher.verify(u.passwordHash, password) : await this.burn(password);
    if (!u || !ok || u.disabled) {
      await this.d.store.tx((r) => this.d.events.record(r, { actor: { type: 'anonymous', id: null, name: null }, ip, userAgent }, this.d.clock.now(), {
        action: 'session.failed', targetType: 'user', targetId: u?.id ?? null, subjectUserId: u?.id ?? null, details: { reason: u?.disabled ? 'disabled' : 'bad_credentials' },
      }));
      throw new PatdError('invalid_credentials', 'wrong username or password');
    }
    await this.limits.succeeded(username, ip);
    const now = this.d.clock.now();
    const s = await this.d.store.tx((r) => openSession(this.d, r, u, now, { ip, userAgent }, { method: 'password' }));
    return { user: u, ...s };
  }

  /**
   * Resolves a session cookie; null when unknown, expired or the user is disabled. Records
   * "last seen" (time and address) at most once a minute per session, not on every request.
   */
  async fromCookie(cookie: string, ip: string | null = null): Promise<{ user: User; session: Session } | null> {
    if (!cookie || cookie.length > 100) return null;
    const s = await this.d.store.r.sessions.byId(sha256Hex(cookie));
    const now = this.d.clock.now();
    if (!s || s.expiresAt <= now) return null;
    const user = await this.d.store.r.users.byId(s.userId);
    if (!user || user.disabled) return null;
    if (now - s.lastSeenAt >= SEEN_EVERY_MS) {
      // Bookkeeping only: a failed write must not fail the request.
      await this.d.store.r.sessions.touch(s.id, now, ip, now - SEEN_EVERY_MS + 1).catch(() => {});
    }
    return { user, session: s };
  }

  async signOut(caller: Caller, sessionId: string): Promise<void> {
    await this.d.store.tx(async (r) => {
      await r.sessions.delete(sessionId);
      await this.d.events.record(r, contextOf(caller), this.d.clock.now(), { action: 'session.deleted', targetType: 'user', targetId: caller.user.id, subjectUserId: caller.user.id });
    });
  }

  private checkPassword(p: string, field: string): void {
    checkPassword(p, field);
  }

  private async burn(password: string): Promise<false> {
    this.dummyHash ??= this.d.hasher.hash(randomSecret(16));
    await this.d.hasher.verify(await this.dummyHash, password);
    return false;
  }
}
