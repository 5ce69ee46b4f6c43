import type { Kysely } from 'kysely';
import type { DeviceGrant, DeviceGrantRepo, DeviceGrantStatus } from '../../../core/device/model.js';
import type { GitRepo, GitRepoRepo } from '../../../core/repos/model.js';
import type { Database } from '../schema.js';

export interface GitReposTable {
  id: string;
  org_id: string;
  name: string;
  created_at: number;
  created_by: string | null;
}

export interface DeviceGrantsTable {
  id: string;
  device_digest: string;
  user_code: string;
  client_id: string;
  scopes: string;
  token_name: string;
  orgs: string | null;
  expires_in_days: number | null;
  created_at: number;
  expires_at: number;
  interval_s: number;
  last_poll_at: number | null;
  status: string;
  user_id: string | null;
  decided_at: number | null;
  token_id: string | null;
  ip: string | null;
  user_agent: string | null;
}

const toRepo = (r: GitReposTable): GitRepo => ({
  id: r.id, orgId: r.org_id, name: r.name, createdAt: Number(r.created_at), createdBy: r.created_by,
});

export function gitRepoRepo(db: Kysely<Database>): GitRepoRepo {
  return {
    async insert(g) {
      await db.insertInto('git_repos').values({ id: g.id, org_id: g.orgId, name: g.name, created_at: g.createdAt, created_by: g.createdBy }).execute();
    },
    async get(orgId, name) {
      const r = await db.selectFrom('git_repos').selectAll().where('org_id', '=', orgId).where('name', '=', name).executeTakeFirst();
      return r ? toRepo(r) : null;
    },
    async listForOrg(orgId) {
      return (await db.selectFrom('git_repos').selectAll().where('org_id', '=', orgId).orderBy('name').execute()).map(toRepo);
    },
    async delete(id) {
      await db.deleteFrom('git_repos').where('id', '=', id).execute();
    },
  };
}

const num = (v: number | null) => (v === null ? null : Number(v));
const toGrant = (r: DeviceGrantsTable): DeviceGrant => ({
  id: r.id, deviceDigest: r.device_digest, userCode: r.user_code, clientId: r.client_id, scopes: JSON.parse(r.scopes) as string[],
  tokenName: r.token_name, orgs: r.orgs === null ? null : (JSON.parse(r.orgs) as string[]), expiresInDays: num(r.expires_in_days),
  createdAt: Number(r.created_at), expiresAt: Number(r.expires_at), intervalSeconds: Number(r.interval_s), lastPollAt: num(r.last_poll_at),
  status: r.status as DeviceGrantStatus, userId: r.user_id, decidedAt: num(r.decided_at), tokenId: r.token_id, ip: r.ip, userAgent: r.user_agent,
});

export function deviceGrantRepo(db: Kysely<Database>): DeviceGrantRepo {
  return {
    async insert(g) {
      await db.insertInto('device_grants').values({
        id: g.id, device_digest: g.deviceDigest, user_code: g.userCode, client_id: g.clientId, scopes: JSON.stringify(g.scopes),
        token_name: g.tokenName, orgs: g.orgs === null ? null : JSON.stringify(g.orgs), expires_in_days: g.expiresInDays,
        created_at: g.createdAt, expires_at: g.expiresAt, interval_s: g.intervalSeconds, last_poll_at: g.lastPollAt, status: g.status,
        user_id: g.userId, decided_at: g.decidedAt, token_id: g.tokenId, ip: g.ip, user_agent: g.userAgent,
      }).execute();
    },
    async byUserCode(userCode) {
      const r = await db.selectFrom('device_grants').selectAll().where('user_code', '=', userCode).executeTakeFirst();
      return r ? toGrant(r) : null;
    },
    async byDigest(digest) {
      const r = await db.selectFrom('device_grants').selectAll().where('device_digest', '=', digest).executeTakeFirst();
      return r ? toGrant(r) : null;
    },
    async transition(id, from, p) {
      const set: Partial<DeviceGrantsTable> = {};
      if (p.status !== undefined) set.status = p.status;
      if (p.userId !== undefined) set.user_id = p.userId;
      if (p.decidedAt !== undefined) set.decided_at = p.decidedAt;
      if (p.tokenId !== undefined) set.token_id = p.tokenId;
      if (p.orgs !== undefined) set.orgs = p.orgs === null ? null : JSON.stringify(p.orgs);
      if (p.expiresInDays !== undefined) set.expires_in_days = p.expiresInDays;
      const res = await db.updateTable('device_grants').set(set).where('id', '=', id).where('status', '=', from).executeTakeFirst();
      return Number(res.numUpdatedRows) === 1;
    },
    async polled(id, at, intervalSeconds) {
      await db.updateTable('device_grants').set({ last_poll_at: at, interval_s: intervalSeconds }).where('id', '=', id).execute();
    },
    async purge(before) {
      const res = await db.deleteFrom('device_grants').where('expires_at', '<', before).executeTakeFirst();
      return Number(res.numDeletedRows);
    },
  };
}
