import { createRequire } from 'node:module';
import pino, { type DestinationStream, type Logger } from 'pino';

/** Paths that may carry secrets; pino replaces them before anything is written. */
export const REDACT = [
  'req.headers.authorization', 'req.headers.cookie', 'req.headers["x-csrf-token"]', 'res.headers["set-cookie"]',
  'headers.authorization', 'headers.cookie', '*.password', '*.secret', '*.token', '*.client_secret',
];

/**
 * Query parameters that may carry secrets (an OpenID Connect callback's code, for one), and a
 * device sign-in's user code: whoever reads it from a log within its lifetime could approve
 * the request in their own name instead of the person at the device.
 */
const SECRET_PARAMS = /([?&](?:code|state|id_token|access_token|refresh_token|client_secret|token|device_code|user_code)=)[^&#]*/gi;
/** `/api/v1/device/{userCode}`: the user code in the path. */
const SECRET_PATHS = /^(\/api\/v1\/device\/)[^/?#]+/i;

export const redactUrl = (url: string): string => url.replace(SECRET_PATHS, '$1[redacted]').replace(SECRET_PARAMS, '$1[redacted]');

type LoggedRequest = { method?: string; url?: string; host?: string; ip?: string; socket?: { remoteAddress?: string; remotePort?: number } };

/** Fastify's request serializer, with secret query parameters replaced. */
const req = (r: LoggedRequest) => ({
  method: r.method, url: redactUrl(r.url ?? ''), host: r.host, remoteAddress: r.ip ?? r.socket?.remoteAddress, remotePort: r.socket?.remotePort,
});

/** `auto`: human-readable on a terminal, JSON lines otherwise (a file, a pipe, journald, a container log). */
export type LogFormat = 'json' | 'pretty' | 'auto';

export function makeLogger(level: string, dest?: DestinationStream, format: LogFormat = 'json'): Logger {
  const opts = { level, redact: { paths: REDACT, censor: '[redacted]' }, serializers: { req } };
  const pretty = format === 'pretty' || (format === 'auto' && !dest && process.stdout.isTTY === true);
  // Redaction happens in pino, before either format sees the line.
  return pino(opts, pretty ? prettyStream(dest) : dest);
}

type Line = { msg?: string; reqId?: string; req?: { method?: string; url?: string }; res?: { statusCode?: number }; responseTime?: number };

/** The access line as a person reads it: `request completed GET /api/v1/me 200 3ms`. */
const message = (l: Line): string =>
  `${l.msg ?? ''}${l.req?.method ? ` ${l.req.method} ${l.req.url ?? ''} ${l.res?.statusCode ?? ''} ${Math.round(l.responseTime ?? 0)}ms` : ''}${l.reqId ? ` [${l.reqId}]` : ''}`;

function prettyStream(dest?: DestinationStream): DestinationStream {
  // Loaded only when wanted: JSON logging (servers, tests) never pays for it.
  const build = createRequire(import.meta.url)('pino-pretty') as (o: Record<string, unknown>) => DestinationStream;
  return build({
    destination: dest ?? 1, sync: true, colorize: !dest && process.stdout.isTTY === true, singleLine: true,
    translateTime: 'SYS:yyyy-mm-dd HH:MM:ss.l', ignore: 'pid,hostname,req,res,responseTime,reqId', messageFormat: message,
  });
}
