/** A registered resource server: may call /oauth/introspect and /oauth/revoke. */
export interface ResourceClient {
  id: string;
  name: string;
  createdAt: number;
  /** Who registered it (username or `cli`). */
  createdBy: string | null;
}

/** Storage of resource-server clients. The secret is kept only as a SHA-256 digest. */
export interface ClientRepo {
  insert(c: ResourceClient, secretDigest: string): Promise<void>;
  byId(id: string): Promise<(ResourceClient & { secretDigest: string }) | null>;
  byName(name: string): Promise<ResourceClient | null>;
  list(): Promise<ResourceClient[]>;
  /** Returns false when there was no such client. */
  remove(id: string): Promise<boolean>;
}
