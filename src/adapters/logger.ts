import { createRequire } from 'node:module';
import pino, { type DestinationStream, type Logger } from 'pino';

/** Paths that may carry secrets; pino replaces them before anything is written. */
export const REDACT = [
  'req.headers.authorization', 'req.headers.cookie', 'req.headers["x-csrf-token"]', 'res.headers["set-cookie"]',
  'headers.authorization', 'headers.cookie',
  'password', 'secret', 'token', 'client_secret', '*.password', '*.secret', '*.token', '*.client_secret',
];

/**
 * Query parameters that may carry secrets (an OpenID Connect callback's code, for one), and a
 * device sign-in's user code: whoever reads it from a log within its lifetime could approve
 * the request in their own name instead of the person at the device.
 */
const SECRET_PARAMS = /([?&](?:code|state|id_token|access_token|refresh_token|client_secret|token|device_code|user_code)=)[^&#]*/gi;
/** `/api/v1/device/{userCode}`: the user code in the path. */
const SECRET_PATHS = /^(\/api\/v1\/device\/)[^/?#]+/i;

/** A URL with secret query parameters and a device user code replaced (most URLs have neither: returned as they are). */
export const redactUrl = (url: string): string => {
  const query = url.includes('?');
  if (!query && !SECRET_PATHS.test(url)) return url;
  const path = url.replace(SECRET_PATHS, '$1[redacted]');
  return query ? path.replace(SECRET_PARAMS, '$1[redacted]') : path;
};

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
  // Redaction happens in pino, before either format sees the line. Standard output is written
  // asynchronously: lines that arrive while a write is under way go out together in the next
  // one (never one system call per request under load), and pino flushes what is left on exit.
  return pino(opts, pretty ? prettyStream(dest) : (dest ?? pino.destination({ dest: 1, sync: false })));
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

type Bindings = Record<string, unknown>;
type ChildOptions = { level?: string };

/**
 * A request's logger, made on first use: Fastify asks for a child logger (with the request id)
 * for every request, but few requests log through it (the access line has its own logger), and
 * making a pino child costs about as much as the rest of a cached token check's bookkeeping.
 */
class RequestLogger {
  #real: Logger | undefined;

  constructor(
    private readonly parent: Logger,
    private readonly bindings: Bindings,
    private readonly opts: ChildOptions,
  ) {}

  get real(): Logger {
    if (!this.#real) this.#real = this.parent.child(this.bindings, this.opts);
    return this.#real;
  }

  get level(): string {
    return this.#real?.level ?? this.opts.level ?? this.parent.level;
  }

  set level(level: string) {
    this.real.level = level;
  }

  isLevelEnabled(level: string): boolean {
    if (this.#real) return this.#real.isLevelEnabled(level);
    const values = this.parent.levels.values;
    return (values[level] ?? Number.POSITIVE_INFINITY) >= (values[this.level] ?? 0);
  }

  fatal(...a: Parameters<Logger['fatal']>): void {
    this.real.fatal(...a);
  }
  error(...a: Parameters<Logger['error']>): void {
    this.real.error(...a);
  }
  warn(...a: Parameters<Logger['warn']>): void {
    this.real.warn(...a);
  }
  info(...a: Parameters<Logger['info']>): void {
    this.real.info(...a);
  }
  debug(...a: Parameters<Logger['debug']>): void {
    this.real.debug(...a);
  }
  trace(...a: Parameters<Logger['trace']>): void {
    this.real.trace(...a);
  }
  silent(): void {}
  child(bindings: Bindings, opts?: ChildOptions): Logger {
    return this.real.child(bindings, opts);
  }
}

/** Fastify's `childLoggerFactory`: the request's logger, created when something logs through it. */
export const requestLoggerFactory = (logger: Logger, bindings: Bindings, opts: ChildOptions): Logger =>
  new RequestLogger(logger, bindings, opts) as unknown as Logger;
