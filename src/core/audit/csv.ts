import type { AuditEventView } from './query.js';

/** The columns of an audit CSV export (the API's `format=csv` and the web app's download). */
export const AUDIT_CSV_COLUMNS = ['id', 'at', 'action', 'actor_type', 'actor_id', 'actor_name', 'target_type', 'target_id', 'subject_user_id', 'orgs', 'ip', 'user_agent', 'details'];

/** The header line, CRLF-terminated (RFC 4180). */
export const auditCsvHeader = (): string => `${AUDIT_CSV_COLUMNS.join(',')}\r\n`;

/** One event as a CSV line, CRLF-terminated. */
export function auditCsvRow(e: AuditEventView): string {
  return `${[e.id, e.at, e.action, e.actor.type, e.actor.id, e.actor.name, e.target?.type ?? null, e.target?.id ?? null,
    e.subjectUserId, e.orgs.join(' '), e.ip, e.userAgent, JSON.stringify(e.details)].map(csvCell).join(',')}\r\n`;
}

/** RFC 4180 quoting; a leading =, +, - or @ is defused so spreadsheets do not run it as a formula. */
export function csvCell(v: string | null): string {
  if (v === null) return '';
  const s = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
