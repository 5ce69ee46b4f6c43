import type { Kysely } from 'kysely';
import { DEFAULT_POLICY, type Membership, type Org, type Policy, type Role } from '../../../core/model.js';
import type { MemberRepo, OrgRepo, PolicyRepo } from '../../../core/ports.js';
import type { Database } from '../schema.js';
import { decodeCursor, toPage } from './paging.js';

const toOrg = (r: { id: string; name: string; display_name: string; created_at: number }): Org => ({
  id: r.id, name: r.name, displayName: r.display_name, createdAt: Number(r.created_at),
});

export function orgRepo(db: Kysely<Database>): OrgRepo {
  return {
    async insert(o) {
      await db.insertInto('orgs').values({ id: o.id, name: o.name, display_name: o.displayName, created_at: o.createdAt }).execute();
    },
    async byName(name) {
      const r = await db.selectFrom('orgs').selectAll().where('name', '=', name).executeTakeFirst();
      return r ? toOrg(r) : null;
    },
    async byId(id) {
      const r = await db.selectFrom('orgs').selectAll().where('id', '=', id).executeTakeFirst();
      return r ? toOrg(r) : null;
    },
    async byIds(ids) {
      if (ids.length === 0) return [];
      return (await db.selectFrom('orgs').selectAll().where('id', 'in', ids).orderBy('name').execute()).map(toOrg);
    },
    async list(q) {
      const c = decodeCursor(q.cursor);
      let sel = db.selectFrom('orgs').selectAll().orderBy('created_at').orderBy('id').limit(q.limit + 1);
      if (c) sel = sel.where((eb) => eb.or([eb('created_at', '>', c.at), eb.and([eb('created_at', '=', c.at), eb('id', '>', c.id)])]));
      return toPage(await sel.execute(), q.limit, toOrg, (r) => ({ at: Number(r.created_at), id: r.id }));
    },
  };
}

function memberQuery(db: Kysely<Database>) {
  return db.selectFrom('memberships as m')
    .innerJoin('orgs as o', 'o.id', 'm.org_id')
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .select(['m.org_id', 'o.name as org_name', 'm.user_id', 'u.username', 'm.role', 'm.created_at']);
}

type MemberRow = { org_id: string; org_name: string; user_id: string; username: string; role: string; created_at: number };
const toMember = (r: MemberRow): Membership => ({
  orgId: r.org_id, orgName: r.org_name, userId: r.user_id, username: r.username, role: r.role as Role, createdAt: Number(r.created_at),
});

export function memberRepo(db: Kysely<Database>): MemberRepo {
  return {
    async put(orgId, userId, role, at) {
      await db.insertInto('memberships').values({ org_id: orgId, user_id: userId, role, created_at: at })
        .onConflict((oc) => oc.columns(['org_id', 'user_id']).doUpdateSet({ role })).execute();
    },
    async remove(orgId, userId) {
      await db.deleteFrom('memberships').where('org_id', '=', orgId).where('user_id', '=', userId).execute();
    },
    async get(orgId, userId) {
      const r = await memberQuery(db).where('m.org_id', '=', orgId).where('m.user_id', '=', userId).executeTakeFirst();
      return r ? toMember(r) : null;
    },
    async listForOrg(orgId, q) {
      const c = decodeCursor(q.cursor);
      let sel = memberQuery(db).where('m.org_id', '=', orgId).orderBy('m.created_at').orderBy('m.user_id').limit(q.limit + 1);
      if (c) sel = sel.where((eb) => eb.or([eb('m.created_at', '>', c.at), eb.and([eb('m.created_at', '=', c.at), eb('m.user_id', '>', c.id)])]));
      return toPage(await sel.execute(), q.limit, toMember, (r) => ({ at: Number(r.created_at), id: r.user_id }));
    },
    async listForUser(userId) {
      return (await memberQuery(db).where('m.user_id', '=', userId).orderBy('o.name').execute()).map(toMember);
    },
    async countOwners(orgId) {
      const r = await db.selectFrom('memberships').select((eb) => eb.fn.countAll<number>().as('n'))
        .where('org_id', '=', orgId).where('role', '=', 'owner').executeTakeFirstOrThrow();
      return Number(r.n);
    },
  };
}

export function policyRepo(db: Kysely<Database>): PolicyRepo {
  return {
    async get(orgId) {
      const r = await db.selectFrom('policies').select('body').where('org_id', '=', orgId).executeTakeFirst();
      return r ? { ...DEFAULT_POLICY, ...(JSON.parse(r.body) as Partial<Policy>) } : { ...DEFAULT_POLICY };
    },
    async put(orgId, p, at) {
      const body = JSON.stringify(p);
      await db.insertInto('policies').values({ org_id: orgId, body, updated_at: at })
        .onConflict((oc) => oc.column('org_id').doUpdateSet({ body, updated_at: at })).execute();
    },
  };
}
