import type { Kysely } from 'kysely';
import { DEFAULT_POLICY, type Policy } from '../../../core/model.js';
import type { ScanRepo } from '../../../core/notifications/ports.js';
import type { Database } from '../schema.js';
import { isPostgres } from './dialect.js';

export function scanRepo(db: Kysely<Database>): ScanRepo {
  return {
    async lock(key, now) {
      // Make sure the row exists, then lock it: a second instance waits here and then sees the new watermark.
      await db.insertInto('scan_state').values({ key, at: -1, last_id: null, updated_at: now }).onConflict((oc) => oc.column('key').doNothing()).execute();
      let s = db.selectFrom('scan_state').select(['at', 'last_id']).where('key', '=', key);
      if (isPostgres(db)) s = s.forUpdate();
      const r = await s.executeTakeFirst();
      return !r || Number(r.at) < 0 ? null : { at: Number(r.at), lastId: r.last_id };
    },
    async put(key, c, now) {
      await db.updateTable('scan_state').set({ at: c.at, last_id: c.lastId, updated_at: now }).where('key', '=', key).execute();
    },
    // A range read of tokens_expires (expires_at, id); revoked rows are filtered while walking it.
    async expiring(after, upper, limit) {
      const rows = await db.selectFrom('tokens').select(['id', 'user_id', 'created_at', 'expires_at'])
        .where((eb) => (after.lastId === null
          ? eb('expires_at', '>', after.at)
          : eb.or([eb('expires_at', '>', after.at), eb.and([eb('expires_at', '=', after.at), eb('id', '>', after.lastId)])])))
        .where('expires_at', '<=', upper).where('revoked_at', 'is', null)
        .orderBy('expires_at').orderBy('id').limit(limit).execute();
      return rows.map((r) => ({ id: r.id, userId: r.user_id, createdAt: Number(r.created_at), expiresAt: Number(r.expires_at) }));
    },
    async orgsRevokingUnused() {
      const rows = await db.selectFrom('policies').select(['org_id', 'body']).execute();
      return rows.map((r) => ({ orgId: r.org_id, policy: { ...DEFAULT_POLICY, ...(JSON.parse(r.body) as Partial<Policy>) } }))
        .filter((p) => p.policy.revokeUnusedDays !== null);
    },
    async unusedInOrg(orgId, before, now, limit) {
      const rows = await db.selectFrom('tokens').select('tokens.id')
        .where('tokens.revoked_at', 'is', null).where('tokens.expires_at', '>', now)
        .where((eb) => eb.or([
          eb.and([eb('tokens.last_used_at', 'is', null), eb('tokens.created_at', '<', before)]),
          eb('tokens.last_used_at', '<', before),
        ]))
        .where((eb) => eb.or([
          eb.exists(eb.selectFrom('token_orgs').select('token_orgs.token_id').whereRef('token_orgs.token_id', '=', 'tokens.id').where('token_orgs.org_id', '=', orgId)),
          eb.and([eb('tokens.all_orgs', '=', 1), eb.exists(eb.selectFrom('memberships').select('memberships.user_id')
            .whereRef('memberships.user_id', '=', 'tokens.user_id').where('memberships.org_id', '=', orgId))]),
        ]))
        .orderBy('tokens.id').limit(limit).execute();
      return rows.map((r) => r.id);
    },
  };
}
