import type { CoreDeps } from '../deps.js';
import { PatdError } from '../errors.js';
import type { RequestContext, Token } from '../model.js';
import { digestToken, isWellFormed } from '../tokens/format.js';
import { revokeGuards } from '../tokens/revoke-guards.js';
import { revokeToken } from '../tokens/revoke.js';
import type { ResourceClient } from './model.js';

/** RFC 7662 answer for a usable token. */
export interface ActiveIntrospection {
  active: true;
  scope: string;
  username: string;
  sub: string;
  exp: number;
  iat: number;
  token_type: 'pat';
  client_id: string;
  /** Org names the token is usable in right now (for a global token: all the owner's current orgs). */
  orgs: string[];
  jti: string;
  iss: string;
}

export type Introspection = ActiveIntrospection | { active: false };

const INACTIVE = Object.freeze({ active: false as const });
const secs = (ms: number) => Math.floor(ms / 1000);

/**
 * What registered resource servers may ask about a token (RFC 7662) and do with it (RFC 7009).
 * Introspection goes through the cached TokenVerifier, so it costs no storage read per call
 * and sees a revocation made on this instance at once.
 */
export class ResourceServerService {
  constructor(private readonly d: CoreDeps, private readonly issuer: string) {}

  async introspect(client: ResourceClient, secret: string): Promise<Introspection> {
    let p: Awaited<ReturnType<CoreDeps['verifier']['verify']>>;
    try {
      p = await this.d.verifier.verify(secret);
    } catch (e) {
      if (e instanceof PatdError) return INACTIVE; // unknown, malformed, expired, revoked, rotated, owner disabled
      throw e;
    }
    return {
      active: true,
      scope: p.token.scopes.join(' '),
      username: p.user.username,
      sub: p.user.id,
      exp: secs(p.token.expiresAt),
      iat: secs(p.token.createdAt),
      token_type: 'pat',
      client_id: client.id,
      orgs: p.orgs,
      jti: p.token.id,
      iss: this.issuer,
    };
  }

  /**
   * Revokes the token whose secret was presented (RFC 7009: whoever holds the secret may kill
   * it). A secret replaced by regenerate but still in its grace period revokes the token too.
   * Unknown, malformed and already-revoked tokens are ignored: the caller learns nothing.
   */
  async revoke(client: ResourceClient, secret: string, ctx: Omit<RequestContext, 'actor'>): Promise<void> {
    if (!isWellFormed(secret, this.d.settings.tokenPrefix)) return;
    const digest = digestToken(secret);
    const r0 = this.d.store.r;
    let token: Token | null = await r0.tokens.byDigest(digest);
    if (!token) {
      const old = await r0.tokens.oldDigest(digest);
      if (old && old.validUntil > this.d.clock.now()) token = await r0.tokens.byId(old.tokenId);
    }
    if (!token || token.revokedAt !== null) return;
    const actor = { type: 'system' as const, id: client.id, name: `client ${client.name}` };
    await revokeToken(this.d, token.id, {
      ctx: { ...ctx, actor }, reason: `revoked by resource server "${client.name}" (RFC 7009)`, guard: revokeGuards.holder(token.id),
    });
  }
}
