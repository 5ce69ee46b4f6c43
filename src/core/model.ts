/** Domain objects: camelCase, framework-free. Times are epoch milliseconds. */

export type Role = 'owner' | 'admin' | 'member';
export const ROLES: readonly Role[] = ['owner', 'admin', 'member'];

export interface User {
  id: string;
  username: string;
  email: string;
  displayName: string;
  disabled: boolean;
  isAdmin: boolean;
  /** Service accounts are owned by an org; its admins manage their tokens. */
  serviceOrgId: string | null;
  passwordHash: string | null;
  createdAt: number;
}

/** A link from an external identity (an OpenID Connect issuer's `sub`) to a patd user. */
export interface UserIdentity {
  issuer: string;
  subject: string;
  userId: string;
  /** The email the provider gave at the last sign-in (informational; never used to link). */
  email: string | null;
  createdAt: number;
  lastSignInAt: number;
}

/** An identity an external provider has verified (ID token and, where needed, userinfo claims). */
export interface ExternalIdentity {
  issuer: string;
  subject: string;
  email: string | null;
  /** null when the provider does not say. */
  emailVerified: boolean | null;
  preferredUsername: string | null;
  name: string | null;
}

export interface Org {
  id: string;
  name: string;
  displayName: string;
  createdAt: number;
}

export interface Membership {
  orgId: string;
  orgName: string;
  userId: string;
  username: string;
  role: Role;
  createdAt: number;
}

export interface Policy {
  maxLifetimeDays: number | null;
  allowGlobalTokens: boolean;
  allowFullAccess: boolean;
  ipAllowlist: string[];
  revokeUnusedDays: number | null;
  autoRevokeLeaked: boolean;
}

export const DEFAULT_POLICY: Policy = {
  maxLifetimeDays: null,
  allowGlobalTokens: true,
  allowFullAccess: true,
  ipAllowlist: [],
  revokeUnusedDays: null,
  autoRevokeLeaked: true,
};

export type CreatedVia = 'web' | 'api' | 'cli' | 'device' | 'admin';
export type TokenStatus = 'active' | 'expired' | 'revoked';

export interface Token {
  id: string;
  userId: string;
  name: string;
  hint: string;
  scopes: string[];
  /** null: a global token (every org the owner belongs to). */
  orgIds: string[] | null;
  createdAt: number;
  expiresAt: number;
  lastUsedAt: number | null;
  lastUsedIp: string | null;
  revokedAt: number | null;
  revokedBy: string | null;
  revokedReason: string | null;
  createdVia: CreatedVia;
  clientName: string | null;
  userAgent: string | null;
  createdIp: string | null;
  /** Bumped on every change; lets caches and mails tell versions apart. */
  version: number;
}

export function tokenStatus(t: Pick<Token, 'revokedAt' | 'expiresAt'>, now: number): TokenStatus {
  if (t.revokedAt !== null) return 'revoked';
  if (t.expiresAt <= now) return 'expired';
  return 'active';
}

export interface Session {
  /** The digest of the cookie: never shown. */
  id: string;
  /** The id the owner sees in /me/sessions (`ses_…`): names the session without revealing its cookie or digest. */
  publicId: string;
  userId: string;
  csrfToken: string;
  createdAt: number;
  expiresAt: number;
  ip: string | null;
  userAgent: string | null;
  /** Updated at most once a minute (AccountService.fromCookie). */
  lastSeenAt: number;
  lastSeenIp: string | null;
}

export type ActorType = 'user' | 'token' | 'system' | 'anonymous';

export interface Actor {
  type: ActorType;
  id: string | null;
  name: string | null;
}

export const SYSTEM_ACTOR: Actor = { type: 'system', id: null, name: 'system' };

/** Where a request came from; recorded in audit events and notifications. */
export interface RequestContext {
  actor: Actor;
  ip: string | null;
  userAgent: string | null;
}

export interface AuditEvent {
  id: string;
  at: number;
  actor: Actor;
  action: string;
  targetType: string | null;
  targetId: string | null;
  /** The account the event is about (for /me/audit). */
  subjectUserId: string | null;
  orgIds: string[];
  ip: string | null;
  userAgent: string | null;
  details: Record<string, unknown>;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface PageQuery {
  limit: number;
  cursor: string | null;
}

/** Who is calling: a signed-in user, or a user through one of their tokens. */
export interface Caller {
  user: User;
  token: Token | null;
  ip: string | null;
  userAgent: string | null;
  /** The user's memberships when already known (token callers: from the verifier's cache). */
  memberships?: Membership[];
  /** The verifier's cached principal for token callers: stable while the token is unchanged (a cache key). */
  principal?: object;
  /** The call presented a secret that a regenerate replaced (still in its grace period). */
  replacedSecret?: boolean;
  /** Who to record as the actor when not the user (e.g. the operator at the CLI). */
  actor?: Actor;
}

export function contextOf(c: Caller): RequestContext {
  return {
    actor: c.actor ?? (c.token ? { type: 'token', id: c.token.id, name: c.user.username } : { type: 'user', id: c.user.id, name: c.user.username }),
    ip: c.ip,
    userAgent: c.userAgent,
  };
}
