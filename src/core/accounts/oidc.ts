import type { CoreDeps } from '../deps.js';
import { isPatdError, PatdError } from '../errors.js';
import { newId, randomSecret } from '../ids.js';
import type { Actor, ExternalIdentity, RequestContext, User } from '../model.js';
import type { Repos } from '../ports.js';
import { checkEmail, checkName, NAME_RE } from '../validate.js';
import type { SignedIn } from './service.js';
import { openSession } from './session.js';

/** The actor of accounts that OpenID Connect sign-in creates. */
export const OIDC_ACTOR: Actor = { type: 'system', id: null, name: 'oidc' };

const MAX_USERNAME = 39;

/**
 * A username that fits `[a-z0-9][a-z0-9._-]{0,38}`, from the provider's preferred_username
 * (its local part when it is an address, as Entra's UPNs are) or else the email's local part.
 */
export function usernameBase(id: Pick<ExternalIdentity, 'preferredUsername' | 'email'>): string {
  for (const raw of [id.preferredUsername, id.email]) {
    if (!raw) continue;
    const local = raw.includes('@') ? raw.slice(0, raw.lastIndexOf('@')) : raw;
    const s = local.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase()
      .replace(/[^a-z0-9._-]+/g, '-').replace(/^[^a-z0-9]+/, '').slice(0, MAX_USERNAME).replace(/[._-]+$/, '');
    if (s && NAME_RE.test(s)) return s;
  }
  return 'user';
}

/** `base`, then `base-2`, `base-3` … (shortened to fit), then random suffixes. */
export function* usernameCandidates(base: string): Generator<string> {
  yield base;
  const withSuffix = (suffix: string) => `${base.slice(0, MAX_USERNAME - suffix.length - 1).replace(/[._-]+$/, '')}-${suffix}`;
  for (let n = 2; n <= 100; n++) yield withSuffix(String(n));
  for (;;) yield withSuffix(randomSecret(6).toLowerCase().replace(/[^a-z0-9]/g, '0').slice(0, 6));
}

/**
 * Signs in an identity an OpenID Connect provider has verified. The identity is linked to a
 * patd user by (issuer, subject) only, never by email; the first sign-in creates the user
 * (no password). Then a session starts exactly as after a password sign-in.
 */
export class ExternalSignIn {
  constructor(private readonly d: CoreDeps) {}

  async signIn(id: ExternalIdentity, ip: string | null, userAgent: string | null): Promise<SignedIn & { created: boolean }> {
    const from = { ip, userAgent };
    const { user, created } = await this.findOrProvision(id, from);
    if (user.disabled) {
      await this.d.store.tx((r) => this.d.events.record(r, { actor: { type: 'anonymous', id: null, name: null }, ...from }, this.d.clock.now(), {
        action: 'session.failed', targetType: 'user', targetId: user.id, subjectUserId: user.id, details: { reason: 'disabled', method: 'oidc' },
      }));
      throw new PatdError('user_disabled', 'this patd account is disabled; ask an administrator');
    }
    const now = this.d.clock.now();
    const s = await this.d.store.tx(async (r) => {
      await r.identities.touch(id.issuer, id.subject, now, id.email);
      return openSession(this.d, r, user, now, from, { method: 'oidc', issuer: id.issuer });
    });
    return { user, created, ...s };
  }

  /** Two first sign-ins of one identity at once: the loser of the insert race finds the winner's link on its second try. */
  private async findOrProvision(id: ExternalIdentity, from: { ip: string | null; userAgent: string | null }): Promise<{ user: User; created: boolean }> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.d.store.tx(async (r) => {
          const link = await r.identities.find(id.issuer, id.subject);
          const linked = link ? await r.users.byId(link.userId) : null;
          if (linked) return { user: linked, created: false };
          return { user: await this.provision(r, id, { actor: OIDC_ACTOR, ...from }), created: true };
        });
      } catch (e) {
        if (isPatdError(e) || attempt > 0) throw e;
      }
    }
  }

  private async provision(r: Repos, id: ExternalIdentity, ctx: RequestContext): Promise<User> {
    if (!id.email) {
      throw new PatdError('validation_failed', 'your identity provider did not share an email address, and patd needs one to send token notifications; ask your administrator to release the email claim to patd', { field: 'email' });
    }
    const email = checkEmail(id.email);
    let username = '';
    for (const c of usernameCandidates(usernameBase(id))) {
      if (!(await r.users.byUsername(c))) {
        username = c;
        break;
      }
    }
    const now = this.d.clock.now();
    const u: User = {
      id: newId('usr'), username, email, displayName: providerName(id.name) ?? username, disabled: false,
      isAdmin: false, serviceOrgId: null, passwordHash: null, createdAt: now,
    };
    await r.users.insert(u);
    await r.identities.insert({ issuer: id.issuer, subject: id.subject, userId: u.id, email, createdAt: now, lastSignInAt: now });
    await this.d.events.record(r, ctx, now, {
      action: 'user.created', targetType: 'user', targetId: u.id, subjectUserId: u.id,
      details: { username, admin: false, method: 'oidc', issuer: id.issuer, emailVerified: id.emailVerified },
    });
    return u;
  }
}

/** The provider's display name when it passes patd's name rule; a sign-in is never refused over it. */
function providerName(name: string | null | undefined): string | null {
  try {
    return checkName('displayName', name);
  } catch {
    return null;
  }
}
