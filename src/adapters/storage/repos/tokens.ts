import type { ExpressionBuilder, Kysely, Selectable } from 'kysely';
import { sql } from '../kysely.js';
import type { CreatedVia, Token } from '../../../core/model.js';
import type { TokenFilter, TokenRepo } from '../../../core/ports.js';
import type { Database, TokensTable } from '../schema.js';
import { decodeCursor, toPage } from './paging.js';

type Row = Selectable<TokensTable>;

function toToken(r: Row, orgIds: string[] | null): Token {
  return {
    id: r.id, userId: r.user_id, name: r.name, hint: r.hint, scopes: JSON.parse(r.scopes) as string[],
    orgIds, createdAt: Number(r.created_at), expiresAt: Number(r.expires_at),
    lastUsedAt: r.last_used_at === null ? null : Number(r.last_used_at), lastUsedIp: r.last_used_ip,
    revokedAt: r.revoked_at === null ? null : Number(r.revoked_at), revokedBy: r.revoked_by,
    revokedReason: r.revoked_reason, createdVia: r.created_via as CreatedVia, clientName: r.client_name,
    userAgent: r.user_agent, createdIp: r.created_ip, version: Number(r.version),
  };
}

function statusWhere(f: TokenFilter) {
  return (eb: ExpressionBuilder<Database, 'tokens'>) => {
    switch (f.status) {
      case 'active': return eb.and([eb('tokens.revoked_at', 'is', null), eb('tokens.expires_at', '>', f.now)]);
      case 'expired': return eb.and([eb('tokens.revoked_at', 'is', null), eb('tokens.expires_at', '<=', f.now)]);
      case 'revoked': return eb('tokens.revoked_at', 'is not', null);
      default: return eb.lit(true);
    }
  };
}

/** Name or hint contains the text, any (ASCII) case; `%`, `_` and `\` match themselves. */
function searchWhere(f: TokenFilter) {
  return (eb: ExpressionBuilder<Database, 'tokens'>) => {
    if (!f.search) return eb.lit(true);
    const like = `%${f.search.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    return eb.or([
      sql<boolean>`lower(tokens.name) like ${like} escape '\\'`,
      sql<boolean>`lower(tokens.hint) like ${like} escape '\\'`,
    ]);
  };
}

export function tokenRepo(db: Kysely<Database>): TokenRepo {
  async function withOrgs(rows: Row[]): Promise<Token[]> {
    const limited = rows.filter((r) => !r.all_orgs).map((r) => r.id);
    const links = limited.length
      ? await db.selectFrom('token_orgs').select(['token_id', 'org_id']).where('token_id', 'in', limited).execute()
      : [];
    const byToken = new Map<string, string[]>();
    for (const l of links) byToken.set(l.token_id, [...(byToken.get(l.token_id) ?? []), l.org_id]);
    return rows.map((r) => toToken(r, r.all_orgs ? null : (byToken.get(r.id) ?? []).sort()));
  }
  async function one(r: Row | undefined): Promise<Token | null> {
    return r ? ((await withOrgs([r]))[0] ?? null) : null;
  }
  async function page(sel: ReturnType<typeof base>, cursor: string | null, limit: number) {
    const c = decodeCursor(cursor);
    let s = sel.orderBy('tokens.created_at', 'desc').orderBy('tokens.id', 'desc').limit(limit + 1);
    if (c) s = s.where((eb) => eb.or([eb('tokens.created_at', '<', c.at), eb.and([eb('tokens.created_at', '=', c.at), eb('tokens.id', '<', c.id)])]));
    const rows = await s.execute();
    const more = rows.length > limit;
    const full = await withOrgs(more ? rows.slice(0, limit) : rows);
    return toPage(more ? [...full, full[0] as Token] : full, limit, (t) => t, (t) => ({ at: t.createdAt, id: t.id }));
  }
  const base = () => db.selectFrom('tokens').selectAll('tokens');

  return {
    async insert(t, digest) {
      await db.insertInto('tokens').values({
        id: t.id, user_id: t.userId, name: t.name, digest, hint: t.hint, scopes: JSON.stringify(t.scopes),
        all_orgs: t.orgIds === null ? 1 : 0, created_at: t.createdAt, expires_at: t.expiresAt,
        last_used_at: null, last_used_ip: null, revoked_at: null, revoked_by: null, revoked_reason: null,
        created_via: t.createdVia, client_name: t.clientName, user_agent: t.userAgent, created_ip: t.createdIp, version: t.version,
      }).execute();
      if (t.orgIds?.length) await db.insertInto('token_orgs').values(t.orgIds.map((org_id) => ({ token_id: t.id, org_id }))).execute();
    },
    async byId(id) {
      return one(await base().where('id', '=', id).executeTakeFirst());
    },
    async byDigest(digest) {
      return one(await base().where('digest', '=', digest).executeTakeFirst());
    },
    async digestOf(id) {
      const r = await db.selectFrom('tokens').select('digest').where('id', '=', id).executeTakeFirst();
      return r?.digest ?? null;
    },
    async oldDigest(digest) {
      const r = await db.selectFrom('token_old_digests').selectAll().where('digest', '=', digest).executeTakeFirst();
      return r ? { tokenId: r.token_id, validUntil: Number(r.valid_until) } : null;
    },
    async listForUser(userId, f, q) {
      return page(base().where('user_id', '=', userId).where(statusWhere(f)).where(searchWhere(f)), q.cursor, q.limit);
    },
    async listForOrg(orgId, f, q) {
      let sel = base().where(statusWhere(f)).where((eb) => eb.or([
        eb.exists(eb.selectFrom('token_orgs').select('token_orgs.token_id')
          .whereRef('token_orgs.token_id', '=', 'tokens.id').where('token_orgs.org_id', '=', orgId)),
        eb.and([eb('tokens.all_orgs', '=', 1), eb.exists(eb.selectFrom('memberships').select('memberships.user_id')
          .whereRef('memberships.user_id', '=', 'tokens.user_id').where('memberships.org_id', '=', orgId))]),
      ]));
      if (f.userId) sel = sel.where('user_id', '=', f.userId);
      return page(sel, q.cursor, q.limit);
    },
    async update(id, p) {
      const v: Partial<TokensTable> = {};
      if (p.name !== undefined) v.name = p.name;
      if (p.scopes !== undefined) v.scopes = JSON.stringify(p.scopes);
      if (p.expiresAt !== undefined) v.expires_at = p.expiresAt;
      if (p.revokedAt !== undefined) v.revoked_at = p.revokedAt;
      if (p.revokedBy !== undefined) v.revoked_by = p.revokedBy;
      if (p.revokedReason !== undefined) v.revoked_reason = p.revokedReason;
      if (p.orgIds !== undefined) {
        v.all_orgs = p.orgIds === null ? 1 : 0;
        await db.deleteFrom('token_orgs').where('token_id', '=', id).execute();
        if (p.orgIds?.length) await db.insertInto('token_orgs').values(p.orgIds.map((org_id) => ({ token_id: id, org_id }))).execute();
      }
      await db.updateTable('tokens').set((eb) => ({ ...v, version: eb('version', '+', 1) })).where('id', '=', id).execute();
    },
    async replaceSecret(id, digest, hint, old) {
      await db.updateTable('tokens').set((eb) => ({ digest, hint, version: eb('version', '+', 1) })).where('id', '=', id).execute();
      if (old) {
        await db.insertInto('token_old_digests').values({ digest: old.digest, token_id: id, valid_until: old.validUntil })
          .onConflict((oc) => oc.column('digest').doUpdateSet({ valid_until: old.validUntil })).execute();
      }
    },
    async touch(uses) {
      for (const u of uses) {
        await db.updateTable('tokens').set({ last_used_at: u.at, last_used_ip: u.ip })
          .where('id', '=', u.id).where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', u.at)])).execute();
      }
    },
    async activeIdsForUserInOrg(userId, orgId, now) {
      const rows = await base().select('tokens.id').where('user_id', '=', userId).where(statusWhere({ status: 'active', now }))
        .where((eb) => eb.or([eb('all_orgs', '=', 1), eb.exists(eb.selectFrom('token_orgs').select('token_orgs.token_id')
          .whereRef('token_orgs.token_id', '=', 'tokens.id').where('token_orgs.org_id', '=', orgId))])).execute();
      return rows.map((r) => r.id);
    },
    async activeIdsForUser(userId, now) {
      return (await base().where('user_id', '=', userId).where(statusWhere({ status: 'active', now })).execute()).map((r) => r.id);
    },
  };
}
