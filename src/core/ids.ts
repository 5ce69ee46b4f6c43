import * as crypto from 'node:crypto';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Base62 of a big-endian byte string, left-padded with '0' to `width`. */
export function base62(bytes: Uint8Array | bigint, width: number): string {
  let n = typeof bytes === 'bigint' ? bytes : BigInt(`0x${Buffer.from(bytes).toString('hex') || '0'}`);
  let out = '';
  while (n > 0n) {
    out = ALPHABET[Number(n % 62n)] + out;
    n /= 62n;
  }
  return out.padStart(width, '0');
}

export type IdKind = 'usr' | 'org' | 'tok' | 'ses' | 'evt' | 'msg' | 'whk' | 'cli' | 'dev' | 'rep' | 'inv';

/** Prefixed ids (`tok_…`, `usr_…`) so a log line says what it names. */
export function newId(kind: IdKind): string {
  return `${kind}_${base62(randomBytes(12), 17)}`;
}

export function randomSecret(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

// crypto.hash (Node >= 20.12) is a one-shot digest without a Hash object: it matters on the
// token-check hot path (forward-auth), where a digest is computed per request.
const oneShot = (crypto as { hash?: (alg: string, data: string, enc: 'hex') => string }).hash;

export function sha256Hex(s: string): string {
  return oneShot ? oneShot('sha256', s, 'hex') : createHash('sha256').update(s).digest('hex');
}

export function constantTimeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  if (ab.length !== bb.length) return false;
  return timingSafeEqual(ab, bb);
}
