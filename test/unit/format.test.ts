import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { crc32 } from 'node:zlib';
import { tokenFromAuthorization } from '../../src/adapters/http/credentials.js';
import { base62 } from '../../src/core/ids.js';
import { resolveExpiry } from '../../src/core/tokens/expiry.js';
import { digestToken, generateToken, isWellFormed, tokenHint } from '../../src/core/tokens/format.js';

describe('token format', () => {
  test('is prefix + 43 base62 body + 6 base62 CRC32 of prefix+body', () => {
    const t = generateToken('patd_');
    assert.match(t, /^patd_[0-9A-Za-z]{49}$/);
    const body = t.slice(5, 48);
    assert.equal(t.slice(48), base62(BigInt(crc32(`patd_${body}`)), 6));
    assert.ok(isWellFormed(t, 'patd_'));
  });

  test('a flipped character or a wrong prefix fails the checksum', () => {
    const t = generateToken('patd_');
    const i = 20;
    const flipped = t.slice(0, i) + (t[i] === 'a' ? 'b' : 'a') + t.slice(i + 1);
    assert.equal(isWellFormed(flipped, 'patd_'), false);
    assert.equal(isWellFormed(t, 'acme_'), false);
    assert.equal(isWellFormed(`${t}x`, 'patd_'), false);
    assert.equal(isWellFormed('patd_!!!', 'patd_'), false);
  });

  test('custom prefixes work and tokens are unique', () => {
    const a = generateToken('acme2_');
    assert.ok(isWellFormed(a, 'acme2_'));
    assert.notEqual(generateToken('patd_'), generateToken('patd_'));
  });

  test('base62 left-pads to width', () => {
    assert.equal(base62(0n, 6), '000000');
    assert.equal(base62(61n, 2), '0z');
    assert.equal(base62(62n, 1), '10');
  });

  test('the digest is SHA-256 hex and the hint keeps only prefix and last 4', () => {
    const t = generateToken('patd_');
    assert.match(digestToken(t), /^[0-9a-f]{64}$/);
    assert.equal(tokenHint(t, 'patd_'), `patd_…${t.slice(-4)}`);
  });
});

describe('Authorization header', () => {
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  test('Basic with any username, an empty one, or the token as username', () => {
    assert.equal(tokenFromAuthorization(`Basic ${b64('alice:TOK')}`), 'TOK');
    assert.equal(tokenFromAuthorization(`Basic ${b64(':TOK')}`), 'TOK');
    assert.equal(tokenFromAuthorization(`Basic ${b64('TOK:')}`), 'TOK');
    assert.equal(tokenFromAuthorization(`basic ${b64('TOK')}`), 'TOK');
  });
  test('Bearer, nothing, and unreadable headers', () => {
    assert.equal(tokenFromAuthorization('Bearer TOK'), 'TOK');
    assert.equal(tokenFromAuthorization(undefined), null);
    assert.equal(tokenFromAuthorization('Digest x'), undefined);
    assert.equal(tokenFromAuthorization('Bearer '), undefined);
    assert.equal(tokenFromAuthorization(`Basic ${b64(':')}`), undefined);
  });
});

describe('expiry', () => {
  const now = Date.UTC(2026, 0, 1);
  const day = 86_400_000;
  test('defaults to 30 days; presets and exact date-times', () => {
    assert.equal(resolveExpiry({}, now, 365), now + 30 * day);
    assert.equal(resolveExpiry({ expiresInDays: 7 }, now, 365), now + 7 * day);
    assert.equal(resolveExpiry({ expiresAt: '2026-01-01T01:00:00Z' }, now, 365), now + 3_600_000);
  });
  test('refuses past, too far, both, and nonsense', () => {
    for (const bad of [{ expiresAt: '2025-12-31T00:00:00Z' }, { expiresInDays: 366 }, { expiresInDays: 0 }, { expiresAt: 'tomorrow' },
      { expiresInDays: 7, expiresAt: '2026-02-01T00:00:00Z' }, { expiresAt: '2028-01-01T00:00:00Z' }]) {
      assert.throws(() => resolveExpiry(bad, now, 365), (e: { code: string }) => e.code === 'invalid_expiry', JSON.stringify(bad));
    }
  });
});
