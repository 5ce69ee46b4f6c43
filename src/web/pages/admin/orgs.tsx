import type { OrgView } from '../../../core/orgs/service.js';
import { Time } from '../../components/time.js';
import type { PageCtx, Viewer } from '../../context.js';
import { Layout } from '../../layout.js';
import { orgPath, RoleBadge } from '../orgs-list.js';
import { AdminHeader } from './admin-header.js';

/** `/admin/orgs`: every organization of the instance, oldest first, page by page. */
export function allOrgsPage(ctx: PageCtx & { viewer: Viewer }, d: { orgs: OrgView[]; paged: boolean; nextCursor: string | null }) {
  return (
    <Layout ctx={ctx} title="Every organization" section="admin">
      <AdminHeader area="orgs" title="Every organization" lead="All organizations of this instance. As an instance admin you can open any of them, also where you are not a member." />
      {d.orgs.length === 0 ? <div class="empty"><p>There are no organizations yet.</p></div> : (
        <table class="list">
          <caption class="visually-hidden">Every organization, oldest first</caption>
          <thead><tr><th scope="col">Organization</th><th scope="col">Name</th><th scope="col">Your role</th><th scope="col">Created</th></tr></thead>
          <tbody>
            {d.orgs.map((o) => (
              <tr key={o.id}>
                <td data-label="Organization"><div class="cell"><a class="token-name" href={orgPath(o.name)}>{o.displayName}</a></div></td>
                <td data-label="Name"><div class="cell"><code>{o.name}</code></div></td>
                <td data-label="Your role"><div class="cell"><RoleBadge role={o.role} /></div></td>
                <td data-label="Created"><div class="cell"><Time at={o.createdAt} now={ctx.now} /></div></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {(d.paged || d.nextCursor) && (
        <nav class="pager" aria-label="Pages">
          {d.paged && <a href="/admin/orgs">First page</a>}
          {d.nextCursor && <a href={`/admin/orgs?cursor=${encodeURIComponent(d.nextCursor)}`} rel="next">Next page</a>}
        </nav>
      )}
    </Layout>
  );
}
