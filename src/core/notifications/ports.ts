import type { AuditEvent, Page, PageQuery, Policy } from '../model.js';
import type { OutboxMessage } from '../ports.js';

/** Storage the notification, webhook and audit features need (implemented per dialect). */

export type OutboxStatus = 'pending' | 'sending' | 'sent' | 'failed';

export interface OutboxRow extends OutboxMessage {
  status: OutboxStatus;
  attempts: number;
  leaseOwner: string | null;
  leaseUntil: number | null;
  lastError: string | null;
  sentAt: number | null;
}

export interface OutboxWork {
  /**
   * Takes up to `limit` messages that are due (pending, or sending with an expired lease) and
   * marks them `sending` for `owner` until `now + leaseMs`, counting an attempt. Two instances
   * never lease the same row (PostgreSQL: FOR UPDATE SKIP LOCKED; SQLite: one writer).
   */
  lease(owner: string, now: number, leaseMs: number, limit: number): Promise<OutboxRow[]>;
  /** Extends the leases `owner` still holds on these messages to `until`; returns how many it still held. */
  renew(ids: string[], owner: string, until: number): Promise<number>;
  /** False when the lease was lost (another instance took the message over). */
  markSent(id: string, owner: string, at: number): Promise<boolean>;
  reschedule(id: string, owner: string, availableAt: number, error: string): Promise<void>;
  markFailed(id: string, owner: string, at: number, error: string): Promise<void>;
  list(status: OutboxStatus | null, q: PageQuery): Promise<Page<OutboxRow>>;
  /** An admin puts a failed message back in the queue. */
  retry(id: string, now: number): Promise<boolean>;
}

export interface Webhook {
  id: string;
  /** null: an instance webhook, which receives every event. */
  orgId: string | null;
  url: string;
  events: string[];
  description: string | null;
  sealedSecret: string;
  createdBy: string | null;
  createdAt: number;
}

export interface WebhookDelivery {
  id: string;
  webhookId: string;
  messageId: string;
  eventType: string;
  attempt: number;
  at: number;
  statusCode: number | null;
  ok: boolean;
  error: string | null;
  durationMs: number;
}

export interface WebhookRepo {
  insert(w: Webhook): Promise<void>;
  byId(id: string): Promise<Webhook | null>;
  list(orgId: string | null, q: PageQuery): Promise<Page<Webhook>>;
  delete(id: string): Promise<void>;
  /** Instance webhooks and the webhooks of any of `orgIds`. */
  forOrgs(orgIds: string[]): Promise<Webhook[]>;
  addDelivery(d: WebhookDelivery): Promise<void>;
  deliveries(webhookId: string, q: PageQuery): Promise<Page<WebhookDelivery>>;
}

/** A token as the expiry scan sees it: just what the index and the decision need. */
export interface ExpiringToken {
  id: string;
  userId: string;
  createdAt: number;
  expiresAt: number;
}

export interface ScanCursor {
  at: number;
  /** null: every token with expires_at <= at was handled. */
  lastId: string | null;
}

export interface ScanRepo {
  /** Reads a watermark, locking its row for the transaction (PostgreSQL), so instances take turns. */
  lock(key: string, now: number): Promise<ScanCursor | null>;
  put(key: string, c: ScanCursor, now: number): Promise<void>;
  /** Unrevoked tokens after `after` (by expires_at, id) with expires_at <= upper, from the tokens_expires index. */
  expiring(after: ScanCursor, upper: number, limit: number): Promise<ExpiringToken[]>;
  /** Orgs whose policy revokes unused tokens. */
  orgsRevokingUnused(): Promise<{ orgId: string; policy: Policy }[]>;
  /** Active tokens usable in the org, not used (or created) since `before`. */
  unusedInOrg(orgId: string, before: number, now: number, limit: number): Promise<string[]>;
}

export interface AuditQuery {
  orgId?: string;
  subjectUserId?: string;
  /** Exact action, or a prefix ending in `.*` (e.g. `token.*`). */
  action?: string;
  /** Actor name or id. */
  actor?: string;
  since?: number;
  until?: number;
  order: 'asc' | 'desc';
}

export interface AuditReader {
  query(q: AuditQuery, page: PageQuery): Promise<Page<AuditEvent>>;
}
