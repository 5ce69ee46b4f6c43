import type { AuditEventView } from '../../core/audit/query.js';
import { AuditTable } from '../components/audit-table.js';
import type { PageCtx } from '../context.js';
import { Layout, PageHeader } from '../layout.js';

/** `/account/security-log`: the events about the viewer's own account (GET /api/v1/me/audit), newest first, page by page. */
export function securityLogPage(ctx: PageCtx, d: { events: AuditEventView[]; paged: boolean; nextCursor: string | null }) {
  return (
    <Layout ctx={ctx} title="Security log" section="account">
      <nav class="breadcrumbs" aria-label="Breadcrumbs"><a href="/account">Your account</a> / <span aria-current="page">Security log</span></nav>
      <PageHeader title="Security log" lead="Everything that happened to your account, your tokens and your memberships, newest first: sign-ins (also failed ones), changes, and who made them from where." />
      {d.events.length === 0 ? <div class="empty"><p>{d.paged ? 'No older events.' : 'Nothing has happened on your account yet.'}</p></div> : <AuditTable events={d.events} now={ctx.now} caption="Your security log, newest first" />}
      {(d.paged || d.nextCursor) && (
        <nav class="pager" aria-label="Pages">
          {d.paged && <a href="/account/security-log">Newest events</a>}
          {d.nextCursor && <a href={`/account/security-log?cursor=${encodeURIComponent(d.nextCursor)}`} rel="next">Older events</a>}
        </nav>
      )}
    </Layout>
  );
}
