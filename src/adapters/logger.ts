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

export function makeLogger(level: string, dest?: DestinationStream): Logger {
  return pino({ level, redact: { paths: REDACT, censor: '[redacted]' }, serializers: { req } }, dest);
}
