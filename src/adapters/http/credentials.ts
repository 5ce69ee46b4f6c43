/**
 * Reads a PAT from an Authorization header: `Basic base64(anything:TOKEN)` (the username is
 * ignored and may be empty), `Basic base64(TOKEN:)`, or `Bearer TOKEN`.
 * Returns null when there is no header, undefined when one is there but unreadable.
 */
export function tokenFromAuthorization(h: string | undefined): string | null | undefined {
  if (!h) return null;
  const sp = h.indexOf(' ');
  if (sp < 0) return undefined;
  const given = h.slice(0, sp);
  // Schemes are case-insensitive; the usual spellings skip making a lower-case copy.
  const scheme = given === 'Basic' ? 'basic' : given === 'Bearer' ? 'bearer' : given.toLowerCase();
  const value = h.slice(sp + 1).trim();
  if (scheme === 'bearer') return value || undefined;
  if (scheme !== 'basic') return undefined;
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return decoded || undefined;
  const user = decoded.slice(0, colon);
  const pass = decoded.slice(colon + 1);
  return pass || user || undefined;
}
