import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes } from 'node:crypto';

/** A Standard Webhooks secret: "whsec_" + base64 of 24 random bytes. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(24).toString('base64')}`;
}

/**
 * Standard Webhooks signature (https://www.standardwebhooks.com/):
 * "v1," + base64(HMAC-SHA256(base64-decoded secret, `${id}.${timestamp}.${body}`)).
 */
export function signWebhook(secret: string, id: string, timestamp: number, body: string): string {
  const key = Buffer.from(secret.startsWith('whsec_') ? secret.slice(6) : secret, 'base64');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Webhook secrets must be usable to sign, so they are stored sealed (AES-256-GCM) with a key derived from PATD_SECRET.
 * Other uses (the OIDC sign-in cookie) pass their own `purpose`, which gives them a key of their own.
 */
export class SecretBox {
  private readonly key: Buffer;
  constructor(instanceSecret: string, purpose = 'webhook-secrets') {
    this.key = createHash('sha256').update(`patd:${purpose}:${instanceSecret}`).digest();
  }
  seal(plain: string): string {
    const iv = randomBytes(IV_BYTES);
    const c = createCipheriv('aes-256-gcm', this.key, iv, { authTagLength: TAG_BYTES });
    const ct = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
    return `v1.${Buffer.concat([iv, c.getAuthTag(), ct]).toString('base64url')}`;
  }
  /**
   * The tag length is pinned to 16 bytes: GCM also "verifies" a truncated tag (a prefix of the
   * real one), and a 4-byte tag can be forged by trying (sealed values come back in cookies).
   */
  open(sealed: string): string {
    const raw = Buffer.from(sealed.startsWith('v1.') ? sealed.slice(3) : '', 'base64url');
    if (raw.length < IV_BYTES + TAG_BYTES) throw new Error('sealed value is malformed');
    const d = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
    d.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    return Buffer.concat([d.update(raw.subarray(IV_BYTES + TAG_BYTES)), d.final()]).toString('utf8');
  }
}
