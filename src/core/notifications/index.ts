import { AuditService } from '../audit/query.js';
import { AuthFailureSampler } from '../audit/failures.js';
import type { CoreDeps } from '../deps.js';
import { ExpiryScanner } from './expiry.js';
import { LeakService } from './leaks.js';
import { renderMail } from './messages.js';
import type { InvitationMailPayload, Log, Mailer, MailPayload, WebhookPoster } from './model.js';
import { intervalWorker, type Worker } from '../worker.js';
import { DEFAULT_OUTBOX_OPTIONS, type OutboxOptions, OutboxWorker } from './outbox.js';
import { SecretBox } from './signing.js';
import { WebhookService } from './webhooks.js';

export interface NotificationOptions {
  publicUrl: string;
  /** PATD_EXPIRY_WARNING_DAYS. */
  leads: number[];
  /** Signs nothing itself: the key that seals webhook secrets is derived from it. */
  instanceSecret: string;
  outbox?: Partial<OutboxOptions>;
  /** How often the expiry scan runs (default every minute). */
  scanEveryMs?: number;
  scanBatch?: number;
  webhookTimeoutMs?: number;
  /** Leak reports allowed per IP per window. */
  leakLimit?: { perIp: number; windowMs: number };
  failureWindowMs?: number;
}

/** A background task with start/stop. */
export type BackgroundTask = Worker;

/** Notifications, webhooks, leak reports and the audit trail's readers, built once by the composition root. */
export class Notifications {
  readonly outbox: OutboxWorker;
  readonly scanner: ExpiryScanner;
  readonly webhooks: WebhookService;
  readonly leaks: LeakService;
  readonly audit: AuditService;
  readonly failures: AuthFailureSampler;
  readonly tasks: BackgroundTask[];

  constructor(readonly d: CoreDeps, mailer: Mailer, poster: WebhookPoster, log: Log, o: NotificationOptions) {
    const box = new SecretBox(o.instanceSecret);
    this.webhooks = new WebhookService(d, box, poster, o.webhookTimeoutMs ?? 10_000, log);
    this.outbox = new OutboxWorker(d.store, d.clock, {
      mail: (m, signal) => mailer.send(renderMail(m.id, m.payload as unknown as MailPayload | InvitationMailPayload, o.publicUrl), signal),
      webhook: this.webhooks.deliver,
    }, { ...DEFAULT_OUTBOX_OPTIONS, ...o.outbox }, log);
    this.scanner = new ExpiryScanner(d, { leads: o.leads, batch: o.scanBatch ?? 500 }, log);
    this.leaks = new LeakService(d, o.leakLimit ?? { perIp: 60, windowMs: 60_000 });
    this.audit = new AuditService(d);
    this.failures = new AuthFailureSampler(d, log, o.failureWindowMs ?? 60_000);
    d.verifier.onFailure = this.failures.onFailure;
    d.events.onQueued(() => this.outbox.wake());
    const failures = this.failures;
    this.tasks = [
      this.outbox,
      intervalWorker('expiry-scan', o.scanEveryMs ?? 60_000, () => this.scanner.runOnce(), log),
      { ...intervalWorker('auth-failure-flush', o.failureWindowMs ?? 60_000, () => failures.flush(), log), stop: async () => { await failures.flush(undefined, true); } },
      { name: 'mailer', start() {}, stop: () => mailer.close() },
    ];
  }
}

