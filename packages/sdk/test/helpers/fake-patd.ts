/**
 * A stand-in for patd's `POST /oauth/introspect` (RFC 7662) on 127.0.0.1, random port.
 * It checks the client's HTTP Basic credentials and the form body, and counts requests.
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export const CLIENT_ID = 'registry:prod';
export const CLIENT_SECRET = 'pa%ss word+&=';

export interface FakePatd {
  url: string;
  /** Introspection answers by token; tokens not listed are inactive. */
  tokens: Map<string, Record<string, unknown>>;
  /** Requests received (including refused ones). */
  requests: number;
  /** Delay each answer by this many ms. */
  delayMs: number;
  /** Answer every request with this HTTP status instead. */
  failStatus: number | undefined;
  /** Last form body received. */
  lastForm: URLSearchParams | undefined;
  close(): Promise<void>;
}

function clientOk(req: IncomingMessage): boolean {
  const m = /^Basic (.+)$/.exec(req.headers.authorization ?? '');
  if (!m?.[1]) return false;
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const [id, secret] = decoded.split(':').map((s) => decodeURIComponent(s.replace(/\+/g, ' ')));
  return id === CLIENT_ID && secret === CLIENT_SECRET;
}

export async function startFakePatd(): Promise<FakePatd> {
  const fake: FakePatd = {
    url: '',
    tokens: new Map(),
    requests: 0,
    delayMs: 0,
    failStatus: undefined,
    lastForm: undefined,
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
  const server = createServer(async (req, res) => {
    fake.requests++;
    let raw = '';
    for await (const chunk of req) raw += chunk;
    if (fake.delayMs > 0) await new Promise((r) => setTimeout(r, fake.delayMs));
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    if (fake.failStatus !== undefined) return send(fake.failStatus, { error: 'server_error' });
    if (req.method !== 'POST' || req.url !== '/oauth/introspect') return send(404, { error: 'not_found' });
    if (!clientOk(req)) return send(401, { error: 'invalid_client' }, { 'www-authenticate': 'Basic realm="patd"' });
    if (req.headers['content-type'] !== 'application/x-www-form-urlencoded') return send(400, { error: 'invalid_request' });
    const form = new URLSearchParams(raw);
    fake.lastForm = form;
    const answer = fake.tokens.get(form.get('token') ?? '');
    send(200, answer ? { active: true, token_type: 'pat', client_id: CLIENT_ID, ...answer } : { active: false });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return fake;
}

/** An introspection answer for a token of `alice` expiring in `ttlSeconds` from `nowMs`. */
export function activeAnswer(nowMs: number, extra: Record<string, unknown> = {}, ttlSeconds = 3600): Record<string, unknown> {
  const iat = Math.floor(nowMs / 1000);
  return {
    scope: 'code:write packaging:read',
    username: 'alice',
    sub: 'u_123',
    jti: 'tok_1',
    exp: iat + ttlSeconds,
    iat,
    orgs: ['acme'],
    ...extra,
  };
}
