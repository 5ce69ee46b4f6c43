import type { TokenView } from '../../core/tokens/view.js';
import type { InvitationView } from '../../core/orgs/invitation-model.js';
import { Notice } from '../components/form.js';
import { PendingInvitations } from '../components/invitations.js';
import { Time } from '../components/time.js';
import { Expiry, LastUsed, OrgNames, ScopeNames, StatusBadge, Via } from '../components/token-bits.js';
import type { PageCtx } from '../context.js';
import { Layout, PageHeader } from '../layout.js';

export const STATUS_FILTERS = ['active', 'expired', 'revoked', 'all'] as const;
export type StatusFilter = (typeof STATUS_FILTERS)[number];
const FILTER_LABEL: Record<StatusFilter, string> = { active: 'Active', expired: 'Expired', revoked: 'Revoked', all: 'All' };

export interface TokenListData {
  tokens: TokenView[];
  status: StatusFilter;
  search: string;
  /** The page shown is not the first one. */
  paged: boolean;
  nextCursor: string | null;
  /** The longest expiry warning lead in days (PATD_EXPIRY_WARNING_DAYS). */
  leadDays: number;
  notice?: string;
  /** The viewer's pending invitations: shown above the list with Accept and Decline. */
  invitations?: InvitationView[];
}

const listUrl = (d: TokenListData, cursor?: string) => {
  const q = new URLSearchParams();
  if (d.status !== 'active') q.set('status', d.status);
  if (d.search) q.set('q', d.search);
  if (cursor) q.set('cursor', cursor);
  const s = q.toString();
  return s ? `/tokens?${s}` : '/tokens';
};

const NewTokenButton = () => <a class="btn btn-primary" href="/tokens/new">New token</a>;

/** `/tokens`: the person's personal access tokens, filtered by status and searched by name or hint. */
export function tokenListPage(ctx: PageCtx, d: TokenListData) {
  const filtered = d.status !== 'active' || d.search !== '';
  return (
    <Layout ctx={ctx} title="Personal access tokens" section="tokens">
      <PageHeader
        title="Personal access tokens"
        lead="Tokens are passwords for git, package managers, scripts and the API. Each has a name, an expiry, the organizations it works in and the scopes it grants."
        actions={<NewTokenButton />}
      />
      {d.notice && <Notice>{d.notice}</Notice>}
      {ctx.viewer && d.invitations && <PendingInvitations csrf={ctx.viewer.csrf} invitations={d.invitations} returnTo="/tokens" now={ctx.now} />}
      <form method="get" action="/tokens" class="toolbar" aria-label="Filter tokens">
        <div class="field">
          <label for="status">Status</label>
          <select id="status" name="status">
            {STATUS_FILTERS.map((s) => <option key={s} value={s} selected={s === d.status}>{FILTER_LABEL[s]}</option>)}
          </select>
        </div>
        <div class="field grow">
          <label for="q">Search</label>
          <input type="search" id="q" name="q" value={d.search} maxLength={120} placeholder="Name or hint" />
        </div>
        <div class="field">
          <button type="submit" class="btn btn-secondary">Apply</button>
        </div>
      </form>
      {d.tokens.length === 0 ? <Empty d={d} filtered={filtered} /> : <TokenTable ctx={ctx} d={d} />}
      {(d.paged || d.nextCursor) && (
        <nav class="pager" aria-label="Pages">
          {d.paged && <a href={listUrl(d)}>First page</a>}
          {d.nextCursor && <a href={listUrl(d, d.nextCursor)} rel="next">Next page</a>}
        </nav>
      )}
    </Layout>
  );
}

function Empty(p: { d: TokenListData; filtered: boolean }) {
  if (p.filtered) {
    return (
      <div class="empty">
        <p>{p.d.search ? `No ${p.d.status === 'all' ? '' : `${p.d.status} `}tokens match “${p.d.search}”.` : p.d.status === 'all' ? 'You have no tokens yet.' : `You have no ${p.d.status} tokens.`}</p>
        <p><a href="/tokens">Show your active tokens</a></p>
      </div>
    );
  }
  return (
    <div class="empty">
      <h2>You have no active tokens</h2>
      <p>Create a token for each tool or machine that needs access, so you can revoke one without breaking the others.</p>
      <p><NewTokenButton /></p>
    </div>
  );
}

function TokenTable(p: { ctx: PageCtx; d: TokenListData }) {
  const now = p.ctx.now;
  return (
    <table class="list">
      <caption class="visually-hidden">Your {p.d.status === 'all' ? '' : `${p.d.status} `}tokens, newest first</caption>
      <thead>
        <tr><th scope="col">Name</th><th scope="col">Organizations</th><th scope="col">Scopes</th><th scope="col">Created</th><th scope="col">Expires</th><th scope="col">Last used</th></tr>
      </thead>
      <tbody>
        {p.d.tokens.map((t) => (
          <tr key={t.id}>
            <td data-label="Name"><div class="cell">
              <a class="token-name" href={`/tokens/${encodeURIComponent(t.id)}`}>{t.name}</a>
              {t.status !== 'active' && <> <StatusBadge status={t.status} /></>}
              <br /><small><code>{t.hint}</code></small>
            </div></td>
            <td data-label="Organizations"><div class="cell"><OrgNames orgs={t.orgs} /></div></td>
            <td data-label="Scopes"><div class="cell"><ScopeNames scopes={t.scopes} /></div></td>
            <td data-label="Created"><div class="cell"><Time at={t.createdAt} now={now} format="relative" /><br /><small>via <Via t={t} /></small></div></td>
            <td data-label="Expires"><div class="cell">{t.status === 'revoked' ? <span class="muted">Revoked <Time at={t.revokedAt ?? t.expiresAt} now={now} format="relative" /></span> : <Expiry t={t} now={now} leadDays={p.d.leadDays} />}</div></td>
            <td data-label="Last used"><div class="cell"><LastUsed t={t} now={now} /></div></td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
