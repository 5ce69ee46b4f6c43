import type { Kysely } from 'kysely';
import type { Role } from '../../../core/model.js';
import type { Invitation, InvitationRepo, InvitationRow, InvitationStatus } from '../../../core/orgs/invitation-model.js';
import type { Database, InvitationsTable } from '../schema.js';
import { decodeCursor, toPage } from './paging.js';

const toInvitation = (r: InvitationsTable): Invitation => ({
  id: r.id, orgId: r.org_id, userId: r.user_id, role: r.role as Role, invitedById: r.invited_by_id, invitedByName: r.invited_by_name,
  createdAt: Number(r.created_at), expiresAt: Number(r.expires_at), status: r.status as InvitationStatus,
  respondedAt: r.responded_at === null ? null : Number(r.responded_at),
});

type Row = InvitationsTable & { org_name: string; org_display_name: string; username: string };
const toRow = (r: Row): InvitationRow => ({ ...toInvitation(r), orgName: r.org_name, orgDisplayName: r.org_display_name, username: r.username });

function rows(db: Kysely<Database>) {
  return db.selectFrom('invitations as i')
    .innerJoin('orgs as o', 'o.id', 'i.org_id')
    .innerJoin('users as u', 'u.id', 'i.user_id')
    .selectAll('i')
    .select(['o.name as org_name', 'o.display_name as org_display_name', 'u.username']);
}

export function invitationRepo(db: Kysely<Database>): InvitationRepo {
  const pending = async (by: 'i.org_id' | 'i.user_id', id: string, now: number, q: { limit: number; cursor: string | null }) => {
    const c = decodeCursor(q.cursor);
    let sel = rows(db).where(by, '=', id).where('i.status', '=', 'pending').where('i.expires_at', '>', now)
      .orderBy('i.created_at').orderBy('i.id').limit(q.limit + 1);
    if (c) sel = sel.where((eb) => eb.or([eb('i.created_at', '>', c.at), eb.and([eb('i.created_at', '=', c.at), eb('i.id', '>', c.id)])]));
    return toPage(await sel.execute(), q.limit, toRow, (r) => ({ at: Number(r.created_at), id: r.id }));
  };
  return {
    async insert(i) {
      await db.insertInto('invitations').values({
        id: i.id, org_id: i.orgId, user_id: i.userId, role: i.role, invited_by_id: i.invitedById, invited_by_name: i.invitedByName,
        status: i.status, created_at: i.createdAt, expires_at: i.expiresAt, responded_at: i.respondedAt,
      }).execute();
    },
    async byId(id) {
      const r = await rows(db).where('i.id', '=', id).executeTakeFirst();
      return r ? toRow(r) : null;
    },
    async pendingFor(orgId, userId) {
      const r = await db.selectFrom('invitations').selectAll().where('org_id', '=', orgId).where('user_id', '=', userId)
        .where('status', '=', 'pending').executeTakeFirst();
      return r ? toInvitation(r) : null;
    },
    listPendingForOrg: (orgId, now, q) => pending('i.org_id', orgId, now, q),
    listPendingForUser: (userId, now, q) => pending('i.user_id', userId, now, q),
    async close(id, status, at) {
      const r = await db.updateTable('invitations').set({ status, responded_at: at }).where('id', '=', id).where('status', '=', 'pending').executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },
  };
}
