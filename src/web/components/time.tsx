import { DAY_MS } from '../../core/clock.js';

/** "2026-11-08 12:00 UTC": what a page says before its script puts the time in the viewer's locale. */
export function utcText(at: number | string): string {
  return new Date(at).toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
}

const UNITS: [string, number][] = [['year', 365 * DAY_MS], ['month', 30 * DAY_MS], ['day', DAY_MS], ['hour', 3_600_000], ['minute', 60_000]];

/** "in 7 days", "3 hours ago", "just now" (English; the script re-renders it in the viewer's language). */
export function relativeText(at: number, now: number): string {
  const diff = at - now;
  const abs = Math.abs(diff);
  for (const [unit, ms] of UNITS) {
    if (abs >= ms) {
      const n = Math.round(abs / ms);
      const u = `${n} ${unit}${n === 1 ? '' : 's'}`;
      return diff > 0 ? `in ${u}` : `${u} ago`;
    }
  }
  return 'just now';
}

/**
 * A point in time: `<time datetime>` with UTC text; the page script turns it into the viewer's
 * locale (format "datetime") or a relative phrase ("relative"), keeping the exact time in the title.
 */
export function Time(p: { at: number | string; now: number; format?: 'datetime' | 'relative' }) {
  const at = typeof p.at === 'number' ? p.at : Date.parse(p.at);
  const iso = new Date(at).toISOString();
  const rel = p.format === 'relative';
  return <time datetime={iso} data-format={rel ? 'relative' : 'datetime'} title={utcText(at)}>{rel ? relativeText(at, p.now) : utcText(at)}</time>;
}
