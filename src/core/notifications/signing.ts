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
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', this.key, iv);
    const ct = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
    return `v1.${Buffer.concat([iv, c.getAuthTag(), ct]).toString('base64url')}`;
  }
  open(sealed: string): string {
    const raw = Buffer.from(sealed.slice(3), 'base64url');
    const d = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, 12));
    d.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([d.update(raw.subarray(28)), d.final()]).toString('utf8');
  }
}
