/** What an `Authorization` header carries. */
export type Credentials =
  | { kind: 'none' }
  /** A Basic or Bearer header that does not parse. */
  | { kind: 'malformed' }
  | { kind: 'token'; token: string; scheme: 'basic' | 'bearer' };

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const SCHEME = /^([A-Za-z]+)[ \t]+(.*)$/s;

/**
 * Parse an `Authorization` header with patd's rules (see `extractToken`), telling
 * "no credentials" (absent, or another scheme) from "malformed Basic/Bearer".
 *
 * @example
 * ```ts
 * parseAuthorization('Bearer patd_abc'); // { kind: 'token', token: 'patd_abc', scheme: 'bearer' }
 * parseAuthorization('Basic !!!'); // { kind: 'malformed' }
 * parseAuthorization(undefined); // { kind: 'none' }
 * ```
 */
export function parseAuthorization(header: string | readonly string[] | null | undefined): Credentials {
  const value = typeof header === 'string' ? header : header?.[0];
  if (!value) return { kind: 'none' };
  const m = SCHEME.exec(value.trim());
  const scheme = (m?.[1] ?? value.trim()).toLowerCase();
  if (scheme !== 'basic' && scheme !== 'bearer') return { kind: 'none' };
  const rest = (m?.[2] ?? '').trim();
  if (scheme === 'bearer') {
    if (rest === '' || /\s/.test(rest)) return { kind: 'malformed' };
    return { kind: 'token', token: rest, scheme };
  }
  if (!BASE64.test(rest) || rest.length % 4 === 1) return { kind: 'malformed' };
  const decoded = Buffer.from(rest, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return { kind: 'malformed' };
  // The password is the token; `base64(TOKEN ":")` puts it in the username instead.
  const password = decoded.slice(colon + 1);
  const token = password !== '' ? password : decoded.slice(0, colon);
  return token === '' ? { kind: 'malformed' } : { kind: 'token', token, scheme };
}

/**
 * The token an `Authorization` header carries, or `undefined`. Accepted, as patd does:
 * `Basic base64(anything ":" TOKEN)` (username ignored, may be empty),
 * `Basic base64(TOKEN ":")`, and `Bearer TOKEN`. Scheme names are case-insensitive.
 *
 * @example
 * ```ts
 * extractToken('Basic ' + btoa(':patd_abc')); // 'patd_abc'
 * extractToken('Basic ' + btoa('patd_abc:')); // 'patd_abc'
 * extractToken('Bearer patd_abc'); // 'patd_abc'
 * extractToken('Digest realm="x"'); // undefined
 * ```
 */
export function extractToken(header: string | readonly string[] | null | undefined): string | undefined {
  const c = parseAuthorization(header);
  return c.kind === 'token' ? c.token : undefined;
}
