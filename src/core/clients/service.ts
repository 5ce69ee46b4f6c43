import type { CoreDeps } from '../deps.js';
import { PatdError } from '../errors.js';
import { constantTimeEqual, newId, randomSecret, sha256Hex } from '../ids.js';
import type { RequestContext } from '../model.js';
import type { ResourceClient } from './model.js';

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9 ._-]{0,79}$/;
const ID_RE = /^cli_[0-9A-Za-z]{1,40}$/;
/** Secrets are prefixed so a leaked one is recognisable (and never taken for a PAT). */
const SECRET_PREFIX = 'patdcs_';

interface CachedClient {
  client: ResourceClient;
  digest: string;
  loadedAt: number;
}

/**
 * Resource servers (services that accept PATs) register as clients and authenticate to the
 * introspection and revocation endpoints with an id and a secret. Verified clients are cached
 * for `ttlMs`, so those endpoints do not read storage per request; removing a client takes
 * effect at once on this instance and within `ttlMs` on the others.
 */
export class ClientService {
  private readonly cache = new Map<string, CachedClient | { missAt: number }>();

  constructor(private readonly d: CoreDeps, private readonly ttlMs: number) {}

  /** Registers a client; the secret is returned once and stored as a digest. */
  async add(ctx: RequestContext, name: string): Promise<{ client: ResourceClient; secret: string }> {
    if (!NAME_RE.test(name)) {
      throw new PatdError('validation_failed', 'a client name is 1–80 letters, digits, spaces, dots, dashes or underscores', { field: 'name' });
    }
    const secret = `${SECRET_PREFIX}${randomSecret(32)}`;
    const now = this.d.clock.now();
    const client: ResourceClient = { id: newId('cli'), name, createdAt: now, createdBy: ctx.actor.name };
    await this.d.store.tx(async (r) => {
      if (await r.clients.byName(name)) throw new PatdError('conflict', `a client named "${name}" already exists`);
      await r.clients.insert(client, sha256Hex(secret));
      await this.d.events.record(r, ctx, now, { action: 'client.created', targetType: 'client', targetId: client.id, details: { name } });
    });
    return { client, secret };
  }

  list(): Promise<ResourceClient[]> {
    return this.d.store.r.clients.list();
  }

  async remove(ctx: RequestContext, id: string): Promise<ResourceClient> {
    const removed = await this.d.store.tx(async (r) => {
      const c = ID_RE.test(id) ? await r.clients.byId(id) : null;
      if (!c) throw new PatdError('not_found', `no client ${id}`);
      await r.clients.remove(id);
      await this.d.events.record(r, ctx, this.d.clock.now(), { action: 'client.removed', targetType: 'client', targetId: id, details: { name: c.name } });
      return { id: c.id, name: c.name, createdAt: c.createdAt, createdBy: c.createdBy };
    });
    this.cache.delete(id);
    return removed;
  }

  /** The client with this id and secret, or an `invalid_client` error. Constant-time on the secret. */
  async authenticate(id: string, secret: string): Promise<ResourceClient> {
    const fail = () => new PatdError('invalid_client', 'unknown client or wrong client secret');
    if (!ID_RE.test(id) || secret.length === 0 || secret.length > 200) throw fail();
    const now = this.d.clock.now();
    let c = this.cache.get(id);
    if (!c || now - ('client' in c ? c.loadedAt : c.missAt) > this.ttlMs) {
      const row = await this.d.store.r.clients.byId(id);
      c = row
        ? { client: { id: row.id, name: row.name, createdAt: row.createdAt, createdBy: row.createdBy }, digest: row.secretDigest, loadedAt: now }
        : { missAt: now };
      if (this.cache.size > 10_000) this.cache.clear();
      this.cache.set(id, c);
    }
    const digest = sha256Hex(secret);
    if (!('client' in c)) {
      constantTimeEqual(digest, digest); // same work whether or not the id exists
      throw fail();
    }
    if (!constantTimeEqual(digest, c.digest)) throw fail();
    return c.client;
  }
}
