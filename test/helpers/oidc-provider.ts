import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';

/** A test account at the provider: its claims, and whether they are kept out of the ID token (userinfo only). */
export interface TestAccount {
  claims: Record<string, unknown>;
  userinfoOnly?: boolean;
}

export interface TestOidcProvider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** By subject (the account id). Change claims between sign-ins to see what patd keeps. */
  accounts: Map<string, TestAccount>;
  /** What the next interaction does: sign in as this subject, or deny (`error=access_denied`). */
  next: { login: string } | { deny: true };
  /** Every token endpoint answer body (to check that none of its tokens leaks). */
  tokenResponses: string[];
  close(): Promise<void>;
}

type Stored = Record<string, unknown> & { uid?: string; userCode?: string; grantId?: string; consumed?: number };

/** oidc-provider's storage contract over a Map: the provider's state lives as long as the test (its own adapter would warn). */
function mapAdapter() {
  const store = new Map<string, Stored>();
  return class MapAdapter {
    constructor(private readonly model: string) {}
    private key(id: string) {
      return `${this.model}:${id}`;
    }
    async upsert(id: string, payload: Stored) {
      store.set(this.key(id), payload);
    }
    async find(id: string) {
      return store.get(this.key(id));
    }
    async findByUid(uid: string) {
      return [...store.entries()].find(([k, v]) => k.startsWith(`${this.model}:`) && v.uid === uid)?.[1];
    }
    async findByUserCode(code: string) {
      return [...store.entries()].find(([k, v]) => k.startsWith(`${this.model}:`) && v.userCode === code)?.[1];
    }
    async consume(id: string) {
      const v = store.get(this.key(id));
      if (v) v.consumed = Math.floor(Date.now() / 1000);
    }
    async destroy(id: string) {
      store.delete(this.key(id));
    }
    async revokeByGrantId(grantId: string) {
      for (const [k, v] of store) if (v.grantId === grantId) store.delete(k);
    }
  };
}

/**
 * A real OpenID provider (panva's oidc-provider) on a loopback port with one confidential client
 * registered for `redirectUri`. Interactions (login, consent) are answered at once by the test's
 * `next` plan, the way a user who clicks through would: the browser still makes every redirect.
 */
export async function startOidcProvider(redirectUri: string): Promise<TestOidcProvider> {
  let handler: (req: IncomingMessage, res: ServerResponse) => void = (_q, r) => r.end();
  const server = createServer((req, res) => handler(req, res));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clientId = 'patd-test';
  const clientSecret = `client-secret-${randomBytes(16).toString('hex')}`;
  const accounts = new Map<string, TestAccount>();
  const tokenResponses: string[] = [];
  const jwk = { ...generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' }), kid: 'k1', use: 'sig', alg: 'RS256' };

  const provider = new Provider(issuer, {
    clients: [{
      client_id: clientId, client_secret: clientSecret, redirect_uris: [redirectUri],
      response_types: ['code'], grant_types: ['authorization_code'], token_endpoint_auth_method: 'client_secret_basic',
    }],
    async findAccount(_ctx: unknown, id: string) {
      const a = accounts.get(id);
      if (!a) return undefined;
      return { accountId: id, claims: async (use: string) => (a.userinfoOnly && use === 'id_token' ? { sub: id } : { ...a.claims, sub: id }) };
    },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'preferred_username'] },
    // Like Keycloak: the ID token from the token endpoint carries the scopes' claims.
    conformIdTokenClaims: false,
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx: unknown, i: { uid: string }) => `/interaction/${i.uid}` },
    cookies: { keys: [randomBytes(16).toString('hex')] },
    jwks: { keys: [jwk] as never },
    pkce: { required: () => true },
    adapter: mapAdapter(),
    ttl: { AccessToken: 600, AuthorizationCode: 60, IdToken: 600, Interaction: 600, Session: 3600, Grant: 3600 },
  });
  const p: TestOidcProvider = {
    issuer, clientId, clientSecret, accounts, tokenResponses, next: { deny: true },
    close: () => new Promise((r) => server.close(() => r())),
  };

  const interact = async (req: IncomingMessage, res: ServerResponse) => {
    const d = await provider.interactionDetails(req, res);
    const plan = p.next;
    if ('deny' in plan) {
      return provider.interactionFinished(req, res, { error: 'access_denied', error_description: 'End-User aborted interaction' }, { mergeWithLastSubmission: false });
    }
    if (d.prompt.name === 'login') return provider.interactionFinished(req, res, { login: { accountId: plan.login } }, { mergeWithLastSubmission: false });
    const grant = d.grantId ? (await provider.Grant.find(d.grantId))! : new provider.Grant({ accountId: d.session!.accountId, clientId: String(d.params.client_id) });
    const details = d.prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[] };
    if (details.missingOIDCScope) grant.addOIDCScope(details.missingOIDCScope.join(' '));
    if (details.missingOIDCClaims) grant.addOIDCClaims(details.missingOIDCClaims);
    return provider.interactionFinished(req, res, { consent: { grantId: await grant.save() } }, { mergeWithLastSubmission: true });
  };
  const callback = provider.callback();
  handler = (req, res) => {
    if (req.url?.startsWith('/interaction/')) {
      interact(req, res).catch((e) => {
        res.statusCode = 500;
        res.end(String(e));
      });
      return;
    }
    if (req.url?.startsWith('/token')) {
      const chunks: Buffer[] = [];
      const write = res.write.bind(res);
      const end = res.end.bind(res);
      res.write = ((c: unknown, ...rest: never[]) => {
        if (c) chunks.push(Buffer.from(c as string));
        return write(c as string, ...rest);
      }) as typeof res.write;
      res.end = ((c?: unknown, ...rest: never[]) => {
        if (c && typeof c !== 'function') chunks.push(Buffer.from(c as string));
        tokenResponses.push(Buffer.concat(chunks).toString('utf8'));
        return end(c as string, ...rest);
      }) as typeof res.end;
    }
    callback(req, res);
  };
  return p;
}

/** A browser's cookies, enough for two servers on 127.0.0.1 (cookies do not tell ports apart). */
export class CookieJar {
  readonly cookies = new Map<string, { value: string; path: string }>();

  header(url: string): string {
    const path = new URL(url).pathname;
    return [...this.cookies].filter(([, c]) => path === c.path || path.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`))
      .map(([n, c]) => `${n}=${c.value}`).join('; ');
  }

  store(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair = '', ...attrs] = line.split(';').map((s) => s.trim());
      const i = pair.indexOf('=');
      const name = pair.slice(0, i);
      const value = pair.slice(i + 1);
      const attr = (k: string) => attrs.find((a) => a.toLowerCase().startsWith(`${k}=`))?.slice(k.length + 1);
      const expires = attr('expires');
      const gone = value === '' || attr('max-age') === '0' || (expires !== undefined && Date.parse(expires) < Date.now());
      if (gone) this.cookies.delete(name);
      else this.cookies.set(name, { value, path: attr('path') ?? '/' });
    }
  }

  get(name: string): string | undefined {
    return this.cookies.get(name)?.value;
  }
}
