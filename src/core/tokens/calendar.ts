import type { TokenView } from './view.js';

/** What the feed needs besides the tokens. */
export interface CalendarOptions {
  /** Links in the events point here (`{publicUrl}/tokens/{id}`), and the UIDs name its host. */
  publicUrl: string;
  now: number;
  /** Reminders, in days before expiry: the same leads as the expiry mails (PATD_EXPIRY_WARNING_DAYS). */
  leadDays: readonly number[];
  username: string;
}

const CRLF = '\r\n';

/** RFC 5545 §3.3.5 date-time in UTC, e.g. 20261231T235959Z. */
function utc(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

/** RFC 5545 §3.3.11 TEXT: backslash, semicolon, comma and newlines are escaped. */
function text(s: string): string {
  return s.replace(/[\\;,]/g, (c) => `\\${c}`).replace(/\r?\n|\r/g, '\\n');
}

/** RFC 5545 §3.1: lines longer than 75 octets are folded (CRLF and a space), never inside a UTF-8 sequence. */
function fold(line: string): string {
  const out: string[] = [];
  let cur = '';
  let octets = 0;
  for (const ch of line) {
    const n = Buffer.byteLength(ch);
    if (octets + n > (out.length === 0 ? 75 : 74)) {
      out.push(cur);
      cur = '';
      octets = 0;
    }
    cur += ch;
    octets += n;
  }
  out.push(cur);
  return out.join(`${CRLF} `);
}

/**
 * An iCalendar feed with one event at the expiry of each token, and a reminder at each
 * warning lead that the token's remaining life still reaches (as the mails do), so an owner can
 * subscribe and see renewals coming. Pure: the same tokens give the same feed.
 */
export function expiryCalendar(tokens: readonly TokenView[], o: CalendarOptions): string {
  const host = new URL(o.publicUrl).host;
  const stamp = utc(o.now);
  const lines = [
    'BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//patd//token expiries//EN', 'CALSCALE:GREGORIAN', 'METHOD:PUBLISH',
    `X-WR-CALNAME:${text(`patd tokens of ${o.username}`)}`, 'X-PUBLISHED-TTL:PT1H', 'REFRESH-INTERVAL;VALUE=DURATION:PT1H',
  ];
  for (const t of [...tokens].sort((a, b) => a.expiresAt.localeCompare(b.expiresAt) || a.id.localeCompare(b.id))) {
    const expires = Date.parse(t.expiresAt);
    const link = `${o.publicUrl}/tokens/${encodeURIComponent(t.id)}`;
    const orgs = t.orgs === '*' ? 'all your organizations' : t.orgs.join(', ') || '(none)';
    lines.push(
      'BEGIN:VEVENT',
      // The token's expiry moves when it is renewed: the same UID, so calendars update the event.
      `UID:${t.id}@${host}`, `DTSTAMP:${stamp}`, `DTSTART:${utc(expires)}`, `DTEND:${utc(expires)}`,
      `SUMMARY:${text(`patd token "${t.name}" expires`)}`,
      `DESCRIPTION:${text(`The personal access token "${t.name}" (${t.hint}) expires at ${t.expiresAt}.\nScopes: ${t.scopes.join(', ')}\nOrganizations: ${orgs}\nRenew it: ${link}`)}`,
      `URL:${link}`, 'TRANSP:TRANSPARENT', 'CLASS:PRIVATE',
    );
    for (const days of [...new Set(o.leadDays)].sort((a, b) => b - a)) {
      if (expires - days * 86_400_000 <= Date.parse(t.createdAt)) continue;
      lines.push('BEGIN:VALARM', 'ACTION:DISPLAY', `TRIGGER;RELATED=START:-P${days}D`,
        `DESCRIPTION:${text(`patd token "${t.name}" expires in ${days} day${days === 1 ? '' : 's'}`)}`, 'END:VALARM');
    }
    lines.push('END:VEVENT');
  }
  lines.push('END:VCALENDAR');
  return lines.map(fold).join(CRLF) + CRLF;
}
