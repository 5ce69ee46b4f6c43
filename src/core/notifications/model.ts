/** What notifications are about, and the ports the core sends them through. */

/** Events a webhook can subscribe to. */
export const WEBHOOK_EVENTS = ['token.created', 'token.regenerated', 'token.expiring', 'token.revoked', 'token.leaked'] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

/** The audit action the expiry scan records; webhooks call it `token.expiring`. */
export const EXPIRY_NOTICE = 'token.expired_notice';

/** The revocation reason a leak report gives; the leak mail covers it, so no second mail. */
export const LEAK_REASON = 'reported as leaked';

export type MailKind = 'token.created' | 'token.regenerated' | 'token.revoked' | 'token.leaked' | 'token.expiring';

/** Facts about a token as an event recorded them (never the secret). */
export interface TokenFacts {
  id: string;
  name: string;
  hint: string;
  scopes: string[];
  orgs: string[] | '*';
  expiresAt: string;
  createdVia: string;
  clientName: string | null;
}

/** The outbox payload of a mail: everything needed to render it later, on any instance. */
export interface MailPayload {
  kind: MailKind;
  to: string[];
  username: string;
  token: TokenFacts;
  at: number;
  ip: string | null;
  userAgent: string | null;
  /** Who did it (actor name), for revocations and leak reports. */
  actor: string | null;
  reason?: string | null;
  revoked?: boolean;
  leadDays?: number;
  /** Set when the token belongs to a service account: the org whose admins are told. */
  serviceAccountOrg?: string;
}

/** The outbox payload of an invitation to join an org (invitation-mail.ts renders it). */
export interface InvitationMailPayload {
  kind: 'org.invited';
  to: string[];
  username: string;
  invitationId: string;
  org: string;
  orgDisplayName: string;
  role: string;
  /** Who invited (a username, or `cli` for the operator). */
  invitedBy: string;
  expiresAt: string;
  at: number;
}

export interface MailMessage {
  /** A stable id (the outbox message id): the Message-ID, so a duplicate is recognisable. */
  id: string;
  to: string[];
  subject: string;
  text: string;
  html: string;
}

/** Sends mail (SMTP, or .eml files when no SMTP server is configured). */
export interface Mailer {
  /** Sends one message; an aborted `signal` fails the attempt at once. */
  send(m: MailMessage, signal?: AbortSignal): Promise<void>;
  close(): Promise<void>;
}

/** POSTs a webhook; resolves with the HTTP status, rejects on network errors, timeouts and an aborted `signal`. */
export type WebhookPoster = (url: string, headers: Record<string, string>, body: string, timeoutMs: number, signal?: AbortSignal) => Promise<number>;

/** The slice of a logger the core uses (pino's fits). */
export interface Log {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}
