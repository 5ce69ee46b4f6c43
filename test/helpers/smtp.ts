import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  from: string;
  to: string[];
  raw: string;
  subject: string;
  messageId: string;
  text: string;
  html: string;
}

export interface SmtpListener {
  url: string;
  port: number;
  mails: ReceivedMail[];
  /** Refuse the next `n` messages with a temporary error (451). */
  refuse(n: number): void;
  /** Answer each message only `ms` after it arrived (it is recorded at once): a slow or hung server. */
  delay(ms: number): void;
  refused: number;
  waitFor(n: number, timeoutMs?: number): Promise<ReceivedMail[]>;
  close(): Promise<void>;
}

/** A real SMTP server on loopback that records what it receives (auth: patd / smtp-pass). */
export async function startSmtp(o: { port?: number; delayMs?: number } = {}): Promise<SmtpListener> {
  const mails: ReceivedMail[] = [];
  let toRefuse = 0;
  let delayMs = o.delayMs ?? 0;
  const state = { refused: 0 };
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS'], authOptional: true, logger: false,
    onAuth(auth, _s, cb) {
      if (auth.username === 'patd' && auth.password === 'smtp-pass') cb(null, { user: 'patd' });
      else cb(new Error('bad credentials'));
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if (toRefuse > 0) {
          toRefuse--;
          state.refused++;
          const err = new Error('try again later') as Error & { responseCode: number };
          err.responseCode = 451;
          return cb(err);
        }
        const raw = Buffer.concat(chunks).toString('utf8');
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', to: session.envelope.rcptTo.map((r) => r.address), raw,
          subject: decodeHeader(header(raw, 'subject')), messageId: header(raw, 'message-id'), text: part(raw, 'text/plain'), html: part(raw, 'text/html'),
        });
        if (delayMs > 0) setTimeout(() => cb(), delayMs).unref();
        else cb();
      });
    },
  });
  server.listen(o.port ?? 0, '127.0.0.1');
  await once(server.server, 'listening');
  const port = (server.server.address() as AddressInfo).port;
  return {
    url: `smtp://patd:smtp-pass@127.0.0.1:${port}`, port, mails,
    refuse(n) {
      toRefuse = n;
    },
    delay(ms) {
      delayMs = ms;
    },
    get refused() {
      return state.refused;
    },
    async waitFor(n, timeoutMs = 10_000) {
      const end = Date.now() + timeoutMs;
      while (mails.length < n) {
        if (Date.now() > end) throw new Error(`expected ${n} mails, got ${mails.length}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      return mails;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

function header(raw: string, name: string): string {
  const head = raw.split(/\r?\n\r?\n/)[0] ?? '';
  const m = head.replace(/\r?\n[ \t]+/g, ' ').match(new RegExp(`^${name}:\\s*(.*)$`, 'im'));
  return m?.[1]?.trim() ?? '';
}

/** RFC 2047 encoded words (=?UTF-8?Q?…?= / =?UTF-8?B?…?=). */
function decodeHeader(v: string): string {
  return v.replace(/=\?utf-8\?([qb])\?([^?]*)\?=\s*/gi, (_m, enc: string, s: string) => enc.toLowerCase() === 'b'
    ? Buffer.from(s, 'base64').toString('utf8')
    : Buffer.from(s.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/gi, (_x, h: string) => String.fromCharCode(Number.parseInt(h, 16))), 'latin1').toString('utf8'));
}

/** The decoded body of the first part with this content type. */
function part(raw: string, type: string): string {
  const idx = raw.toLowerCase().indexOf(`content-type: ${type}`);
  if (idx < 0) return '';
  const rest = raw.slice(idx);
  const split = rest.search(/\r?\n\r?\n/);
  const headers = rest.slice(0, split).toLowerCase();
  let body = rest.slice(split).replace(/^\r?\n\r?\n/, '');
  const boundary = body.search(/\r?\n--/);
  if (boundary >= 0) body = body.slice(0, boundary);
  if (headers.includes('quoted-printable')) {
    const bytes = body.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/gi, (_x, h: string) => String.fromCharCode(Number.parseInt(h, 16)));
    return Buffer.from(bytes, 'latin1').toString('utf8');
  }
  if (headers.includes('base64')) return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  return body;
}
