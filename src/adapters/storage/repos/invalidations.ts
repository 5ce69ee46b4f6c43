import type { Kysely } from 'kysely';
import type { InvalidationRepo } from '../../../core/ports.js';
import type { Database } from '../schema.js';

/**
 * Publishes invalidations to the other instances. Until the cross-instance transport exists,
 * other instances rely on PATD_AUTH_CACHE_SECONDS.
 */
export function invalidationRepo(_db: Kysely<Database>): InvalidationRepo {
  return {
    async publish() {},
  };
}
