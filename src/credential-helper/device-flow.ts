/** The client side of RFC 8628, shared by git-credential-patd and `patd login`. */

export interface DeviceFlowRequest {
  /** Base URL of the patd server, e.g. https://patd.example.com */
  base: string;
  clientId: string;
  scope: string;
  tokenName: string;
  orgs?: string;
  /** Where instructions for the person go (a terminal or stderr, never stdout). */
  say: (text: string) => void;
  /** Gives up after this many ms even if the server's code lives longer. */
  timeoutMs?: number;
}

export interface DeviceFlowResult {
  token: string;
  tokenId?: string;
  expiresAt: string;
  scope: string;
}

export class DeviceFlowError extends Error {}

const FORM = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Is there a patd server at `base`? (GET {base}/.well-known/patd) */
export async function isPatd(base: string, timeoutMs = 5000): Promise<boolean> {
  try {
    const res = await fetch(`${base}/.well-known/patd`, { signal: AbortSignal.timeout(timeoutMs), redirect: 'error' });
    if (!res.ok) return false;
    const j = (await res.json()) as { patd?: unknown };
    return j.patd === 1;
  } catch {
    return false;
  }
}

export async function deviceFlow(r: DeviceFlowRequest): Promise<DeviceFlowResult> {
  const params = new URLSearchParams({ client_id: r.clientId, scope: r.scope, token_name: r.tokenName });
  if (r.orgs) params.set('orgs', r.orgs);
  const start = await fetch(`${r.base}/oauth/device_authorization`, { method: 'POST', headers: FORM, body: params, signal: AbortSignal.timeout(15_000) });
  const s = (await start.json().catch(() => ({}))) as Record<string, unknown>;
  if (!start.ok || typeof s.device_code !== 'string' || typeof s.user_code !== 'string') {
    throw new DeviceFlowError(`the server refused the sign-in request: ${String(s.error_description ?? s.error ?? start.status)}`);
  }
  const complete = typeof s.verification_uri_complete === 'string' ? s.verification_uri_complete : null;
  r.say([
    `To sign in, open ${complete ?? String(s.verification_uri)}`,
    `and check that it shows the code ${s.user_code} (or enter it at ${String(s.verification_uri)}).`,
    'Waiting for approval…',
  ].join('\n'));
  let interval = Math.max(1, Number(s.interval) || 5) * 1000;
  const deadline = Date.now() + Math.min((Number(s.expires_in) || 600) * 1000, r.timeoutMs ?? Number.POSITIVE_INFINITY);
  while (Date.now() < deadline) {
    await sleep(interval);
    const res = await fetch(`${r.base}/oauth/token`, {
      method: 'POST', headers: FORM, signal: AbortSignal.timeout(15_000),
      body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:device_code', device_code: s.device_code, client_id: r.clientId }),
    });
    const t = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    if (res.ok && typeof t.access_token === 'string') {
      const expiresIn = Number(t.expires_in) || 0;
      return {
        token: t.access_token, tokenId: typeof t.token_id === 'string' ? t.token_id : undefined,
        expiresAt: new Date(Date.now() + expiresIn * 1000).toISOString(), scope: String(t.scope ?? r.scope),
      };
    }
    if (t.error === 'authorization_pending') continue;
    if (t.error === 'slow_down') {
      interval = (Number(t.interval) || interval / 1000 + 5) * 1000;
      continue;
    }
    if (t.error === 'access_denied') throw new DeviceFlowError(`the request was denied${t.error_description ? `: ${String(t.error_description)}` : ''}`);
    if (t.error === 'expired_token') throw new DeviceFlowError('the code expired before it was approved; try again');
    throw new DeviceFlowError(`sign-in failed: ${String(t.error_description ?? t.error ?? res.status)}`);
  }
  throw new DeviceFlowError('the code expired before it was approved; try again');
}
