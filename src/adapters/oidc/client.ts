import * as oidc from 'openid-client';
import type { Logger } from 'pino';
import { PatdError } from '../../core/errors.js';
import type { ExternalIdentity } from '../../core/model.js';
import type { OidcRelyingParty, PendingExternalSignIn } from '../../core/ports.js';

export const OIDC_SCOPE = 'openid email profile';

export interface OidcClientOptions {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** `{PATD_PUBLIC_URL}/signin/oidc/callback`, as registered at the provider. */
  redirectUri: string;
  log: Logger;
  /** How long the discovered metadata is kept (a failed discovery is never kept). */
  discoveryTtlMs?: number;
  /** Seconds each request to the provider may take. */
  timeoutSeconds?: number;
}

const str = (v: unknown): string | null => (typeof v === 'string' && v.trim() !== '' ? v.trim() : null);
const bool = (v: unknown): boolean | null => (v === true || v === 'true' ? true : v === false || v === 'false' ? false : null);

/** Network failures, timeouts and answers that are not OAuth at all: the provider is down, not the user wrong. */
function unreachable(e: unknown): boolean {
  if (e instanceof TypeError) return true;
  const code = (e as { code?: unknown }).code;
  return e instanceof oidc.ClientError && ['OAUTH_TIMEOUT', 'OAUTH_ABORT', 'OAUTH_RESPONSE_IS_NOT_CONFORM', 'OAUTH_RESPONSE_IS_NOT_JSON'].includes(String(code));
}

/**
 * The relying party, with openid-client: authorization code flow with PKCE (S256), state and
 * nonce; the ID token comes straight from the token endpoint. Claims the ID token lacks are read
 * from the userinfo endpoint. Errors become PatdErrors whose messages hold no code or token; the
 * log gets the error's name, code and message only (never its cause, which may hold a response).
 */
export function openidClient(o: OidcClientOptions): OidcRelyingParty {
  const ttl = o.discoveryTtlMs ?? 3_600_000;
  const timeout = o.timeoutSeconds ?? 10;
  const insecure = new URL(o.issuer).protocol === 'http:';
  let cached: { at: number; config: Promise<oidc.Configuration> } | null = null;

  async function discover(): Promise<oidc.Configuration> {
    const found = await oidc.discovery(new URL(o.issuer), o.clientId, o.clientSecret, undefined, {
      timeout, ...(insecure ? { execute: [oidc.allowInsecureRequests] } : {}),
    });
    // RFC 8414: no list means client_secret_basic; Okta, for one, enforces the method registered.
    const meta = found.serverMetadata();
    const methods = meta.token_endpoint_auth_methods_supported;
    const auth = !methods || methods.includes('client_secret_basic') ? oidc.ClientSecretBasic(o.clientSecret) : oidc.ClientSecretPost(o.clientSecret);
    const config = new oidc.Configuration(meta, o.clientId, o.clientSecret, auth);
    config.timeout = timeout;
    if (insecure) oidc.allowInsecureRequests(config);
    return config;
  }

  async function configuration(): Promise<oidc.Configuration> {
    const now = Date.now();
    if (!cached || now - cached.at > ttl) {
      const config = discover();
      const entry = { at: now, config };
      cached = entry;
      config.catch(() => {
        if (cached === entry) cached = null;
      });
    }
    try {
      return await cached.config;
    } catch (e) {
      logFailure('OIDC discovery failed', e);
      throw new PatdError('unavailable', 'the identity provider could not be reached; try again later');
    }
  }

  function logFailure(msg: string, e: unknown) {
    const err = e as { name?: unknown; code?: unknown; message?: unknown; error?: unknown; status?: unknown };
    o.log.warn({ issuer: o.issuer, error: { name: err.name, code: err.code, message: String(err.message ?? e).slice(0, 300), oauthError: err.error, status: err.status } }, msg);
  }

  function refusal(e: unknown): PatdError {
    if (e instanceof oidc.AuthorizationResponseError) {
      const what = e.error === 'access_denied' ? 'sign-in was cancelled or access was denied at the identity provider' : `the identity provider refused the sign-in (${e.error.slice(0, 60)})`;
      return new PatdError('unauthenticated', what);
    }
    if (e instanceof oidc.ResponseBodyError) {
      return new PatdError('unauthenticated', `the identity provider did not accept the sign-in (${e.error.slice(0, 60)}); start again`);
    }
    if (unreachable(e)) return new PatdError('unavailable', 'the identity provider could not be reached; try again later');
    return new PatdError('unauthenticated', "the identity provider's answer could not be verified; start again");
  }

  return {
    async begin() {
      const config = await configuration();
      const pending: PendingExternalSignIn = { state: oidc.randomState(), nonce: oidc.randomNonce(), codeVerifier: oidc.randomPKCECodeVerifier() };
      const url = oidc.buildAuthorizationUrl(config, {
        redirect_uri: o.redirectUri, scope: OIDC_SCOPE, response_type: 'code',
        code_challenge: await oidc.calculatePKCECodeChallenge(pending.codeVerifier), code_challenge_method: 'S256',
        state: pending.state, nonce: pending.nonce,
      });
      return { url: url.href, pending };
    },

    async complete(callbackUrl, pending): Promise<ExternalIdentity> {
      const config = await configuration();
      let tokens: Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>;
      try {
        tokens = await oidc.authorizationCodeGrant(config, callbackUrl, {
          pkceCodeVerifier: pending.codeVerifier, expectedState: pending.state, expectedNonce: pending.nonce, idTokenExpected: true,
        });
      } catch (e) {
        logFailure('OIDC sign-in failed', e);
        throw refusal(e);
      }
      const claims = tokens.claims();
      if (!claims) throw new PatdError('unauthenticated', 'the identity provider sent no ID token; start again');
      let info: Record<string, unknown> = { ...claims };
      // Some providers (and oidc-provider by default) put profile claims in userinfo only.
      if (!str(claims.email) || !str(claims.name) || !str(claims.preferred_username)) {
        if (config.serverMetadata().userinfo_endpoint) {
          try {
            const more = await oidc.fetchUserInfo(config, tokens.access_token, claims.sub);
            info = { ...more, ...Object.fromEntries(Object.entries(claims).filter(([, v]) => v !== undefined && v !== null && v !== '')) };
          } catch (e) {
            logFailure('OIDC userinfo failed; using the ID token claims only', e);
          }
        }
      }
      return {
        issuer: o.issuer, subject: claims.sub, email: str(info.email), emailVerified: bool(info.email_verified),
        preferredUsername: str(info.preferred_username), name: str(info.name),
      };
    },
  };
}
