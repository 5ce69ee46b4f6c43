import assert from 'node:assert/strict';
import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { redactUrl } from '../../src/adapters/logger.js';
import { ConfigError, loadConfig } from '../../src/config.js';
import { PatdError } from '../../src/core/errors.js';
import { clientKey } from '../../src/core/limits/limiter.js';
import { SecretBox } from '../../src/core/notifications/signing.js';
import { checkName } from '../../src/core/validate.js';

describe('SecretBox (AES-256-GCM)', () => {
  const box = new SecretBox('instance-secret-instance-secret-0123');
  const key = createHash('sha256').update('patd:webhook-secrets:instance-secret-instance-secret-0123').digest();
  /** A value sealed with a tag of `tagLength` bytes, in SecretBox's layout (iv | tag | ciphertext). */
  const sealWithTag = (plain: string, tagLength: number) => {
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', key, iv, { authTagLength: tagLength });
    const ct = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
    return `v1.${Buffer.concat([iv, c.getAuthTag(), ct]).toString('base64url')}`;
  };

  test('round-trips', () => {
    assert.equal(box.open(box.seal('whsec_abc')), 'whsec_abc');
  });

  test('a truncated authentication tag is refused', () => {
    // A prefix of a valid tag "verifies" under GCM unless the tag length is pinned.
    const raw = Buffer.from(box.seal('').slice(3), 'base64url');
    for (const keep of [4, 8, 12, 15]) {
      const truncated = `v1.${raw.subarray(0, 12 + keep).toString('base64url')}`;
      assert.throws(() => box.open(truncated), `a ${keep}-byte tag`);
    }
    // A value sealed with a short tag (and its ciphertext after it) does not open either.
    assert.throws(() => box.open(sealWithTag('secret', 4)));
    assert.throws(() => box.open(sealWithTag('secret-secret-secret', 12)));
  });

  test('tampering and junk are refused', () => {
    const s = box.seal('hello');
    const raw = Buffer.from(s.slice(3), 'base64url');
    raw[raw.length - 1] = (raw[raw.length - 1] ?? 0) ^ 1;
    assert.throws(() => box.open(`v1.${raw.toString('base64url')}`));
    for (const junk of ['', 'v1.', 'v1.AAAA', 'v2.whatever', 'hello']) assert.throws(() => box.open(junk), junk);
  });
});

describe('names are printable', () => {
  const refused = (v: string) => {
    try {
      checkName('name', v);
    } catch (e) {
      assert.ok(e instanceof PatdError);
      assert.equal(e.code, 'validation_failed');
      assert.equal(e.extras.field, 'name');
      return true;
    }
    return false;
  };

  test('controls, bidirectional controls and invisible characters are refused', () => {
    const bad = [
      'a\u0000b', 'a\u0007b', 'a\nb', 'a\tb', 'a\u007fb', 'a\u009bb', // Cc
      'invoice\u202Efdp.exe', 'a\u202Ab', 'a\u202Bb', 'a\u202Cb', 'a\u202Db', // embeddings and overrides
      'a\u2066b', 'a\u2067b', 'a\u2068b', 'a\u2069b', 'a\u200Eb', 'a\u200Fb', 'a\u061Cb', // isolates and marks
      'ad\u200Bmin', 'a\u2060b', 'a\uFEFFb', 'ad\u00ADmin', 'a\u2028b', 'a\u2029b', 'a\u{E0041}b', 'a\uD800b',
    ];
    for (const v of bad) assert.ok(refused(v), JSON.stringify(v));
  });

  test('ordinary names in any script, emoji with joiners, and trimmed ends pass', () => {
    for (const v of ['CI deploy key', 'git: https://example.test on laptop', 'Zoë Åström', '中文名字', 'می‌خواهم', '👩‍💻 laptop', '✔️ ok']) {
      assert.equal(checkName('name', v), v, v);
    }
    assert.equal(checkName('name', '  padded\n'), 'padded');
  });

  test('1–120 characters, counted in code points', () => {
    assert.ok(refused(''));
    assert.ok(refused('   '));
    assert.ok(refused('x'.repeat(121)));
    assert.equal(checkName('name', '😀'.repeat(120)), '😀'.repeat(120));
  });
});

describe('access log redaction', () => {
  test('device user codes are redacted from query strings and paths', () => {
    for (const url of ['/device?user_code=BCDF-GHJK', '/device?x=1&user_code=BCDFGHJK', '/api/v1/device/BCDF-GHJK', '/api/v1/device/BCDFGHJK?x=1']) {
      const out = redactUrl(url);
      assert.ok(!out.includes('BCDF'), out);
      assert.match(out, /\[redacted\]/);
    }
    assert.equal(redactUrl('/api/v1/tokens/tok_1?status=all'), '/api/v1/tokens/tok_1?status=all');
  });
});

describe('rate limit keys', () => {
  test('IPv6 clients are keyed by their /64; IPv4 and IPv4-mapped by the address', () => {
    assert.equal(clientKey('2001:db8:1:2:3:4:5:6'), clientKey('2001:db8:1:2:ffff::1'));
    assert.notEqual(clientKey('2001:db8:1:2::1'), clientKey('2001:db8:1:3::1'));
    assert.equal(clientKey('::ffff:192.0.2.1'), clientKey('192.0.2.1'));
    assert.notEqual(clientKey('192.0.2.1'), clientKey('192.0.2.2'));
    assert.equal(clientKey('fe80::1%eth0'), clientKey('fe80::2'));
    assert.equal(clientKey(null), clientKey(undefined));
  });
});

describe('configuration of the hardening rules', () => {
  const base = { PATD_SECRET: 'x'.repeat(32), PATD_DATA_DIR: '/nonexistent-patd-test' };
  test('PATD_LIMIT_* take COUNT/WINDOW or off; the defaults are the contract\'s', () => {
    const d = loadConfig(base).limits;
    assert.deepEqual(d.signIn, { max: 10, windowMs: 15 * 60_000 });
    assert.deepEqual(d.signInUser, { max: 100, windowMs: 15 * 60_000 });
    assert.deepEqual(d.deviceCodes, { max: 30, windowMs: 10 * 60_000 });
    assert.deepEqual(d.tokenFailures, { max: 600, windowMs: 60_000 });
    assert.deepEqual(d.leakReports, { max: 60, windowMs: 3_600_000 });
    const c = loadConfig({ ...base, PATD_LIMIT_SIGNIN: '5/30s', PATD_LIMIT_TOKEN_FAILURES: 'off', PATD_LIMIT_LEAK_REPORTS: '100/2h' }).limits;
    assert.deepEqual(c.signIn, { max: 5, windowMs: 30_000 });
    assert.equal(c.tokenFailures.max, 0);
    assert.deepEqual(c.leakReports, { max: 100, windowMs: 7_200_000 });
    for (const bad of ['10', '10/', '/15m', '0/15m', '10/15d', '10/0s', '10/25h', 'ten/15m', '-1/1m']) {
      assert.throws(() => loadConfig({ ...base, PATD_LIMIT_SIGNIN: bad }), (e: Error) => e instanceof ConfigError && e.message.startsWith('PATD_LIMIT_SIGNIN '), bad);
    }
    // The per-username ceiling must stay above one address's allowance, or one address locks a person out.
    assert.throws(() => loadConfig({ ...base, PATD_LIMIT_SIGNIN_USER: '10/15m' }), /PATD_LIMIT_SIGNIN_USER must allow more/);
    assert.equal(loadConfig({ ...base, PATD_LIMIT_SIGNIN: 'off', PATD_LIMIT_SIGNIN_USER: '5/15m' }).limits.signInUser.max, 5);
  });

  test('PATD_WEBHOOK_ALLOW_PRIVATE is true or false (default false)', () => {
    assert.equal(loadConfig(base).webhookAllowPrivate, false);
    assert.equal(loadConfig({ ...base, PATD_WEBHOOK_ALLOW_PRIVATE: 'true' }).webhookAllowPrivate, true);
    assert.throws(() => loadConfig({ ...base, PATD_WEBHOOK_ALLOW_PRIVATE: 'yes' }), /PATD_WEBHOOK_ALLOW_PRIVATE must be true or false/);
  });
});
