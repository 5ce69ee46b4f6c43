import type {
  AuditEvent, ExternalIdentity, Membership, Org, Page, PageQuery, Policy, Role, Session, Token, TokenStatus, User, UserIdentity,
} from './model.js';
import type { AuditReader, OutboxWork, ScanRepo, WebhookRepo } from './notifications/ports.js';
import type { DeviceGrantRepo } from './device/model.js';
import type { GitRepoRepo } from './repos/model.js';
import type { ClientRepo } from './clients/model.js';
import type { Invalidation } from './changes.js';
import type { DayUsage, UsageAdd } from './tokens/usage.js';
import type { InvitationRepo } from './orgs/invitation-model.js';

/**
 * The storage contract the core owns. Adapters (SQLite, PostgreSQL) implement it; the same
 * test suite runs against each. Every repository works inside the transaction it was
 * handed by `Store.tx`, so a use case's writes commit or roll back together.
 */
export interface UserRepo {
  insert(u: User): Promise<void>;
  byId(id: string): Promise<User | null>;
  byUsername(username: string): Promise<User | null>;
  list(q: PageQuery): Promise<Page<User>>;
  update(id: string, patch: Partial<Pick<User, 'email' | 'displayName' | 'disabled' | 'isAdmin' | 'passwordHash'>>): Promise<void>;
  count(): Promise<number>;
  /** An org's service accounts that are not deleted (disabled ones included), by username. */
  serviceAccounts(orgId: string): Promise<User[]>;
  /** Marks a service account deleted (and disabled); the row stays for the audit trail. */
  markServiceAccountDeleted(id: string, at: number): Promise<void>;
}

export interface SessionRepo {
  insert(s: Session): Promise<void>;
  byId(id: string): Promise<Session | null>;
  delete(id: string): Promise<void>;
  deleteForUser(userId: string): Promise<void>;
  byPublicId(publicId: string): Promise<Session | null>;
  /** The user's unexpired sessions, most recently seen first. */
  listForUser(userId: string, now: number): Promise<Session[]>;
  /** Ends every session of the user but `keepId`; returns how many ended. */
  deleteForUserExcept(userId: string, keepId: string): Promise<number>;
  /** Records use of a session, only when its stored last-seen time is older than `staleBefore`. */
  touch(id: string, at: number, ip: string | null, staleBefore: number): Promise<void>;
}

/** Links from external identities (issuer + subject) to users; one identity links to one user. */
export interface UserIdentityRepo {
  /** Fails when the (issuer, subject) pair is already linked. */
  insert(i: UserIdentity): Promise<void>;
  find(issuer: string, subject: string): Promise<UserIdentity | null>;
  listForUser(userId: string): Promise<UserIdentity[]>;
  touch(issuer: string, subject: string, at: number, email: string | null): Promise<void>;
}

export interface OrgRepo {
  insert(o: Org): Promise<void>;
  byName(name: string): Promise<Org | null>;
  byId(id: string): Promise<Org | null>;
  byIds(ids: string[]): Promise<Org[]>;
  /** Every org, oldest first (instance-wide listings: `patd org list`). */
  list(q: PageQuery): Promise<Page<Org>>;
}

export interface MemberRepo {
  put(orgId: string, userId: string, role: Role, at: number): Promise<void>;
  remove(orgId: string, userId: string): Promise<void>;
  get(orgId: string, userId: string): Promise<Membership | null>;
  listForOrg(orgId: string, q: PageQuery): Promise<Page<Membership>>;
  listForUser(userId: string): Promise<Membership[]>;
  countOwners(orgId: string): Promise<number>;
}

export interface PolicyRepo {
  get(orgId: string): Promise<Policy>;
  put(orgId: string, p: Policy, at: number): Promise<void>;
}

export interface TokenFilter {
  status: TokenStatus | 'all';
  now: number;
  /** Part of the name or hint, any case. */
  search?: string;
}

export interface TokenRepo {
  insert(t: Token, digest: string): Promise<void>;
  byId(id: string): Promise<Token | null>;
  byDigest(digest: string): Promise<Token | null>;
  /** The current secret's digest (kept so regenerate can honour a grace period). */
  digestOf(id: string): Promise<string | null>;
  /** A secret replaced by regenerate: the token id and until when it still works. */
  oldDigest(digest: string): Promise<{ tokenId: string; validUntil: number } | null>;
  listForUser(userId: string, f: TokenFilter, q: PageQuery): Promise<Page<Token>>;
  /** Tokens usable in an org: limited to it, or global tokens of its members. */
  listForOrg(orgId: string, f: TokenFilter & { userId?: string }, q: PageQuery): Promise<Page<Token>>;
  update(id: string, patch: Partial<Pick<Token, 'name' | 'scopes' | 'orgIds' | 'expiresAt' | 'revokedAt' | 'revokedBy' | 'revokedReason'>>): Promise<void>;
  replaceSecret(id: string, digest: string, hint: string, old: { digest: string; validUntil: number } | null): Promise<void>;
  touch(uses: { id: string; at: number; ip: string | null }[]): Promise<void>;
  /** Ids of the user's active tokens usable in the org (limited to it, or global). */
  activeIdsForUserInOrg(userId: string, orgId: string, now: number): Promise<string[]>;
  activeIdsForUser(userId: string, now: number): Promise<string[]>;
}

/** Requests per token per UTC day, written in batches with the last-used time. */
export interface TokenUsageRepo {
  /** Adds counts and IPs (distinct, bounded per day); correct when several instances add to the same day. */
  add(rows: UsageAdd[]): Promise<void>;
  /** The token's days from `fromDay` (inclusive, `YYYY-MM-DD`) that had use, oldest first. */
  forToken(tokenId: string, fromDay: string): Promise<DayUsage[]>;
}

export interface AuditRepo extends AuditReader {
  append(e: AuditEvent): Promise<void>;
}

export interface OutboxMessage {
  id: string;
  kind: string;
  /** Unique: a second enqueue with the same key is ignored (exactly-once per key). */
  dedupeKey: string;
  payload: Record<string, unknown>;
  createdAt: number;
  availableAt: number;
}

export interface OutboxRepo extends OutboxWork {
  /** Returns false when a message with the same dedupeKey already exists. */
  enqueue(m: OutboxMessage): Promise<boolean>;
}

/**
 * Carries invalidations to the other instances sharing the database. `publish` runs inside the
 * change's transaction, so the message leaves exactly when the change commits.
 */
export interface InvalidationRepo {
  publish(i: Invalidation): Promise<void>;
}

/**
 * Fixed-window counters shared by every instance on the database (rate limits). Keys are
 * opaque; a window opens at the first `add` after the previous one ended.
 */
export interface RateLimitRepo {
  /** Adds `n` to the key's open window (opening one of `windowMs` when none is open); the count after it and when the window ends. */
  add(key: string, n: number, now: number, windowMs: number): Promise<{ count: number; resetAt: number }>;
  /** The key's open window; count 0 when none is open. */
  get(key: string, now: number): Promise<{ count: number; resetAt: number }>;
  /** Takes one back from an open window (never below 0; opens none). */
  refund(key: string, now: number): Promise<void>;
  delete(key: string): Promise<void>;
  /** Deletes windows that ended before `now`; returns how many. */
  purge(now: number): Promise<number>;
}

export interface Repos {
  users: UserRepo;
  sessions: SessionRepo;
  identities: UserIdentityRepo;
  orgs: OrgRepo;
  members: MemberRepo;
  policies: PolicyRepo;
  tokens: TokenRepo;
  audit: AuditRepo;
  outbox: OutboxRepo;
  webhooks: WebhookRepo;
  scan: ScanRepo;
  gitRepos: GitRepoRepo;
  deviceGrants: DeviceGrantRepo;
  clients: ClientRepo;
  invalidations: InvalidationRepo;
  usage: TokenUsageRepo;
  invitations: InvitationRepo;
  rateLimits: RateLimitRepo;
}

export interface Store {
  /** Runs `fn` in one transaction. */
  tx<T>(fn: (r: Repos) => Promise<T>): Promise<T>;
  /** Repositories outside any transaction, for reads. */
  readonly r: Repos;
  readonly dialect: 'sqlite' | 'postgres';
  close(): Promise<void>;
}

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(hash: string, password: string): Promise<boolean>;
}

/** What a relying party keeps, secretly and briefly, between sending the browser away and its return. */
export interface PendingExternalSignIn {
  state: string;
  nonce: string;
  codeVerifier: string;
}

/**
 * An OpenID Connect provider as patd's HTTP layer uses it (the adapter speaks the protocol).
 * `complete` throws PatdError: `unauthenticated` when the provider refused or its answer does
 * not verify, `unavailable` when it cannot be reached. Messages never hold a code or token.
 */
export interface OidcRelyingParty {
  begin(): Promise<{ url: string; pending: PendingExternalSignIn }>;
  complete(callbackUrl: URL, pending: PendingExternalSignIn): Promise<ExternalIdentity>;
}
