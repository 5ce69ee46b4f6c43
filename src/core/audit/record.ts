import { newId } from '../ids.js';
import type { AuditEvent, RequestContext } from '../model.js';
import type { Repos } from '../ports.js';

/**
 * Something that must happen in the same transaction as an event: queueing a notification,
 * a webhook delivery. Sinks run inside the transaction; they enqueue, they never send.
 */
export type EventSink = (r: Repos, e: AuditEvent) => Promise<void>;

export interface EventInput {
  action: string;
  targetType?: string | null;
  targetId?: string | null;
  subjectUserId?: string | null;
  orgIds?: string[];
  details?: Record<string, unknown>;
}

export class EventRecorder {
  private readonly sinks: EventSink[] = [];

  private readonly queuedListeners: (() => void)[] = [];

  addSink(s: EventSink): void {
    this.sinks.push(s);
  }

  /** A sink queued something to send (the outbox worker listens, to look soon). */
  onQueued(fn: () => void): void {
    this.queuedListeners.push(fn);
  }

  queued(): void {
    for (const fn of this.queuedListeners) fn();
  }

  /** Appends the audit event and runs every sink, in the caller's transaction. */
  async record(r: Repos, ctx: RequestContext, at: number, e: EventInput): Promise<AuditEvent> {
    const ev: AuditEvent = {
      id: newId('evt'), at, actor: ctx.actor, action: e.action, targetType: e.targetType ?? null,
      targetId: e.targetId ?? null, subjectUserId: e.subjectUserId ?? null, orgIds: e.orgIds ?? [],
      ip: ctx.ip, userAgent: ctx.userAgent, details: e.details ?? {},
    };
    await r.audit.append(ev);
    for (const s of this.sinks) await s(r, ev);
    return ev;
  }
}
