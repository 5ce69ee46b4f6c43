import { randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { base62, sha256Hex } from '../ids.js';

export const PREFIX_RE = /^[a-z][a-z0-9]{1,14}_$/;
const BODY_LEN = 43;
const CHECK_LEN = 6;
const BASE62_RE = /^[0-9A-Za-z]+$/;

const DIGITS = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** CRC32 in base62, left-padded to 6: plain number arithmetic (no BigInt) as it runs per token check. */
function checksum(prefixAndBody: string): string {
  let n = crc32(prefixAndBody);
  let out = '';
  while (n > 0) {
    out = DIGITS[n % 62] + out;
    n = Math.floor(n / 62);
  }
  return out.padStart(CHECK_LEN, '0');
}

/** `{prefix}{body}{checksum}` per the spec's "Token format". */
export function generateToken(prefix: string): string {
  const body = base62(randomBytes(32), BODY_LEN);
  return `${prefix}${body}${checksum(prefix + body)}`;
}

/** True when the string has the shape and a correct checksum; touches no storage. */
export function isWellFormed(token: string, prefix: string): boolean {
  if (token.length !== prefix.length + BODY_LEN + CHECK_LEN || !token.startsWith(prefix)) return false;
  const rest = token.slice(prefix.length);
  if (!BASE62_RE.test(rest)) return false;
  return checksum(token.slice(0, -CHECK_LEN)) === token.slice(-CHECK_LEN);
}

/** Any well-formed token of any valid prefix (used by `patd scan`). */
export const ANY_TOKEN_RE = /\b([a-z][a-z0-9]{1,14}_)([0-9A-Za-z]{49})\b/g;

export function digestToken(token: string): string {
  return sha256Hex(token);
}

/** What is kept to recognise a token: the prefix and its last 4 characters. */
export function tokenHint(token: string, prefix: string): string {
  return `${prefix}…${token.slice(-4)}`;
}
