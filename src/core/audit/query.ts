import type { CoreDeps } from '../deps.js';
import { PatdError } from '../errors.js';
import type { AuditEvent, Page, PageQuery } from '../model.js';
import type { AuditQuery } from '../notifications/ports.js';
import { type OrgAccess, requireRole } from '../orgs/access.js';

export interface AuditFilters {
  action?: string;
  actor?: string;
  since?: string;
  until?: string;
}

export interface AuditEventView {
  id: string;
  at: string;
  action: string;
  actor: { type: string; id: string | null; name: string | null };
  target: { type: string; id: string | null } | null;
  subjectUserId: string | null;
  orgs: string[];
  ip: string | null;
  userAgent: string | null;
  details: Record<string, unknown>;
}

/** Reads the audit trail: an org's events, an account's events, or everything (export). */
export class AuditService {
  constructor(private readonly d: CoreDeps) {}

  /** An org's events, newest first, for its admins (the API and the web app's audit page and CSV download). */
  async forOrg(a: OrgAccess, f: AuditFilters, p: PageQuery): Promise<Page<AuditEventView>> {
    requireRole(a, a.caller, 'admin');
    return this.query({ ...parse(f), orgId: a.org.id, order: 'desc' }, p);
  }

  async forUser(userId: string, f: AuditFilters, p: PageQuery): Promise<Page<AuditEventView>> {
    return this.query({ ...parse(f), subjectUserId: userId, order: 'desc' }, p);
  }

  /** Oldest first, page after page (the CLI's `patd audit export`). */
  async *export(f: AuditFilters & { orgId?: string }): AsyncGenerator<AuditEventView> {
    let cursor: string | null = null;
    do {
      const page: Page<AuditEventView> = await this.query({ ...parse(f), ...(f.orgId ? { orgId: f.orgId } : {}), order: 'asc' }, { limit: 500, cursor });
      yield* page.items;
      cursor = page.nextCursor;
    } while (cursor);
  }

  private async query(q: AuditQuery, p: PageQuery): Promise<Page<AuditEventView>> {
    const page = await this.d.store.r.audit.query(q, p);
    const names = new Map((await this.d.store.r.orgs.byIds([...new Set(page.items.flatMap((e) => e.orgIds))])).map((o) => [o.id, o.name] as const));
    return { items: page.items.map((e) => auditView(e, names)), nextCursor: page.nextCursor };
  }
}

export function auditView(e: AuditEvent, orgNames: Map<string, string>): AuditEventView {
  return {
    id: e.id, at: new Date(e.at).toISOString(), action: e.action, actor: e.actor,
    target: e.targetType ? { type: e.targetType, id: e.targetId } : null, subjectUserId: e.subjectUserId,
    orgs: e.orgIds.map((id) => orgNames.get(id) ?? id).sort(), ip: e.ip, userAgent: e.userAgent, details: e.details,
  };
}

function parse(f: AuditFilters): Omit<AuditQuery, 'order'> {
  const out: Omit<AuditQuery, 'order'> = {};
  if (f.action) {
    if (!/^[a-z_]+(\.[a-z_]+)*(\.\*)?$/.test(f.action) || f.action.length > 64) throw new PatdError('validation_failed', 'action must be like token.created or token.*', { field: 'action' });
    out.action = f.action;
  }
  if (f.actor) out.actor = f.actor.slice(0, 100);
  if (f.since) out.since = time(f.since, 'since');
  if (f.until) out.until = time(f.until, 'until');
  return out;
}

function time(s: string, field: string): number {
  const t = Date.parse(s);
  if (!/^\d{4}-\d{2}-\d{2}/.test(s) || Number.isNaN(t)) throw new PatdError('validation_failed', `${field} must be an ISO 8601 date or date-time`, { field });
  return t;
}
