import { mkdirSync } from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import type { Log, Mailer, MailMessage } from '../../core/notifications/model.js';

export interface MailerOptions {
  /** smtp:// or smtps:// (credentials in the URL); null: write .eml files under `dir`. */
  smtpUrl: string | null;
  from: string;
  dir: string;
  /** Connection, greeting and socket timeouts, so a dead server fails an attempt instead of hanging it. */
  timeoutMs?: number;
  log: Log;
}

/** nodemailer over SMTP, or (the embedded default) one .eml file per message. */
export function createMailer(o: MailerOptions): Mailer {
  const t = o.timeoutMs ?? 30_000;
  const headers = (m: MailMessage) => ({
    from: o.from, to: m.to, subject: m.subject, text: m.text, html: m.html,
    messageId: `<${m.id}@patd>`, headers: { 'X-Patd-Message-Id': m.id, 'Auto-Submitted': 'auto-generated' },
  });
  if (o.smtpUrl) {
    const transport = nodemailer.createTransport({
      url: o.smtpUrl, pool: true, maxConnections: 3, connectionTimeout: t, greetingTimeout: t, socketTimeout: t,
    } as Parameters<typeof nodemailer.createTransport>[0]);
    return {
      async send(m, signal) {
        await transport.sendMail({ ...headers(m), ...(signal ? { signal } : {}) } as Parameters<typeof transport.sendMail>[0]);
      },
      async close() {
        // The outbox has stopped (or given up on what was in flight): nothing here is worth waiting for.
        (transport.close as (o?: { force?: boolean }) => void)({ force: true });
      },
    };
  }
  const dir = join(o.dir, 'mail');
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  let told = false;
  return {
    async send(m) {
      const info = await transport.sendMail(headers(m));
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      const name = `${new Date().toISOString().replace(/[:.]/g, '-')}-${m.id}.eml`;
      const file = join(dir, name);
      await writeAtomically(join(dir, `.${name}.tmp`), file, info.message as Buffer);
      o.log.info({ file, to: m.to, subject: m.subject, ...(told ? {} : { hint: 'PATD_SMTP_URL is not set: mail is written to files' }) }, 'mail written to file');
      told = true;
    },
    async close() {},
  };
}

/**
 * Writes the whole file under a temporary name in the same folder, then renames it: a reader
 * sees a complete .eml or none, also when the disk fills up or the process dies mid-write (a
 * full disk once left dozens of empty files). A failed write removes its temporary file and
 * fails the attempt, which the outbox retries.
 */
async function writeAtomically(tmp: string, file: string, data: Buffer): Promise<void> {
  const fh = await open(tmp, 'wx', 0o600);
  try {
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, file);
  } catch (e) {
    await unlink(tmp).catch(() => {});
    throw e;
  }
}
