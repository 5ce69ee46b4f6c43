import type { InvitationView } from '../../core/orgs/invitation-model.js';
import type { OrgView } from '../../core/orgs/service.js';
import { CsrfField, ErrorSummary, type FieldErrors, Notice, TextField } from '../components/form.js';
import { PendingInvitations } from '../components/invitations.js';
import type { PageCtx, Viewer } from '../context.js';
import { Layout, PageHeader } from '../layout.js';

export const orgPath = (org: string) => `/orgs/${encodeURIComponent(org)}`;

export interface OrgListData {
  orgs: OrgView[];
  invitations: InvitationView[];
  /** PATD_ORG_CREATION lets the viewer create an org (OrgService.mayCreate). */
  mayCreate: boolean;
  /** A refused create form: what was typed and why. */
  create?: { name: string; displayName: string; errors: FieldErrors };
  notice?: string;
}

/** `/orgs`: the organizations the viewer belongs to with their role, and a form to create one when the instance lets them. */
export function orgListPage(ctx: PageCtx & { viewer: Viewer }, d: OrgListData) {
  return (
    <Layout ctx={ctx} title="Organizations" section="orgs">
      <PageHeader title="Organizations" lead="Organizations group people, repositories and policies. A token works in the organizations you choose for it, as long as you are a member." />
      {d.notice && <Notice>{d.notice}</Notice>}
      <PendingInvitations csrf={ctx.viewer.csrf} invitations={d.invitations} returnTo="/orgs" now={ctx.now} />
      <section aria-labelledby="mine-heading">
        <h2 id="mine-heading">Your organizations</h2>
        {d.orgs.length === 0 ? (
          <div class="empty"><p>You are not a member of any organization yet. An organization's admins invite you; the invitation shows here and on your account page.</p></div>
        ) : (
          <table class="list">
            <caption class="visually-hidden">Organizations you belong to, by name</caption>
            <thead><tr><th scope="col">Organization</th><th scope="col">Name</th><th scope="col">Your role</th></tr></thead>
            <tbody>
              {d.orgs.map((o) => (
                <tr key={o.id}>
                  <td data-label="Organization"><div class="cell"><a class="token-name" href={orgPath(o.name)}>{o.displayName}</a></div></td>
                  <td data-label="Name"><div class="cell"><code>{o.name}</code></div></td>
                  <td data-label="Your role"><div class="cell"><RoleBadge role={o.role} /></div></td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <section aria-labelledby="create-heading">
        <h2 id="create-heading">Create an organization</h2>
        {d.mayCreate ? <CreateOrgForm csrf={ctx.viewer.csrf} create={d.create} /> : <p class="muted">On this instance only instance admins create organizations. Ask one to create it and invite you.</p>}
      </section>
    </Layout>
  );
}

function CreateOrgForm(p: { csrf: string; create?: OrgListData['create'] }) {
  const e = p.create?.errors ?? {};
  return (
    <form method="post" action="/orgs" class="card">
      <CsrfField csrf={p.csrf} />
      <ErrorSummary errors={e} anchors={{ name: 'org-name', displayName: 'org-display-name' }} />
      <TextField id="org-name" name="name" label="Name" value={p.create?.name} required maxLength={39} autocomplete="off" error={e.name}
        hint="Used in URLs and git remotes: lowercase letters, digits, “.”, “_” or “-”. It cannot be changed later." />
      <TextField id="org-display-name" name="display_name" label="Display name" value={p.create?.displayName} maxLength={120} autocomplete="organization" error={e.displayName}
        hint="How people see it, for example “Acme Corp”. Leave empty to use the name." />
      <div class="actions"><button type="submit" class="btn btn-primary">Create organization</button></div>
      <p class="hint">You become its owner.</p>
    </form>
  );
}

export const RoleBadge = (p: { role: string | null }) => (p.role ? <span class={`badge badge-role-${p.role}`}>{p.role}</span> : <span class="muted">not a member</span>);
