import type { Membership, Role } from '../../core/model.js';
import type { OrgView } from '../../core/orgs/service.js';
import { CsrfField, Notice } from '../components/form.js';
import { Time } from '../components/time.js';
import type { PageCtx, Viewer } from '../context.js';
import { Layout, PageHeader } from '../layout.js';
import { ORG_SECTIONS } from '../org-sections.js';
import { orgPath, RoleBadge } from './orgs-list.js';

export const ORG_NOTICES = {
  created: 'The organization is created. You are its owner.',
  joined: 'You joined the organization.',
} as const;
export type OrgNotice = keyof typeof ORG_NOTICES;

export interface OrgPageData {
  org: OrgView;
  members: Membership[];
  paged: boolean;
  nextCursor: string | null;
  notice?: OrgNotice;
  /** Why leaving was refused (e.g. the last owner), shown at the Leave action. */
  leaveError?: string;
}

/**
 * The role an org's sub-navigation is shown for: the viewer's, or for an instance admin who is
 * not a member the owner's (their use cases let them act as one; each page still checks).
 */
export const sectionRole = (org: OrgView, v: Viewer): Role => org.role ?? (v.user.isAdmin ? 'owner' : 'member');

/** The breadcrumbs, the org's name as the page header and its sub-navigation (org-sections.ts): every page of one org starts with it. */
export function OrgHeader(p: { ctx: PageCtx & { viewer: Viewer }; org: OrgView; current: string; title?: string }) {
  const o = p.org;
  const role = sectionRole(o, p.ctx.viewer);
  const sections = ORG_SECTIONS.filter((s) => s.shows(role));
  return (
    <>
      <nav class="breadcrumbs" aria-label="Breadcrumbs"><a href="/orgs">Organizations</a> / <span aria-current="page">{o.displayName}</span></nav>
      <PageHeader title={p.title ?? o.displayName} lead={<><code>{o.name}</code> · {o.role ? <>your role: <RoleBadge role={o.role} /></> : 'you are not a member (instance admin)'}</>} />
      {sections.length > 1 && (
        <nav class="sub-nav" aria-label={`Organization ${o.name}`}>
          <ul>
            {sections.map((s) => {
              const href = s.href(o.name);
              return <li key={href}><a href={href} aria-current={href === p.current ? 'page' : undefined}>{s.label}</a></li>;
            })}
          </ul>
        </nav>
      )}
    </>
  );
}

/** `/orgs/{org}` for a member: the org's facts, who is in it, and Leave (behind a confirmation). */
export function orgPage(ctx: PageCtx & { viewer: Viewer }, d: OrgPageData) {
  const o = d.org;
  const here = orgPath(o.name);
  return (
    <Layout ctx={ctx} title={o.displayName} section="orgs">
      <OrgHeader ctx={ctx} org={o} current={here} />
      {d.notice && <Notice>{ORG_NOTICES[d.notice]}</Notice>}
      <dl class="facts">
        <dt>Display name</dt><dd>{o.displayName}</dd>
        <dt>Name</dt><dd><code>{o.name}</code></dd>
        <dt>Your role</dt><dd><RoleBadge role={o.role} /></dd>
        <dt>Created</dt><dd><Time at={o.createdAt} now={ctx.now} /></dd>
      </dl>

      <section aria-labelledby="members-heading">
        <h2 id="members-heading">Members</h2>
        <table class="list">
          <caption class="visually-hidden">Members of {o.displayName}, longest first</caption>
          <thead><tr><th scope="col">Member</th><th scope="col">Role</th><th scope="col">Member since</th></tr></thead>
          <tbody>
            {d.members.map((m) => (
              <tr key={m.userId}>
                <td data-label="Member"><div class="cell">{m.username}{m.userId === ctx.viewer.user.id && <> <span class="muted">(you)</span></>}</div></td>
                <td data-label="Role"><div class="cell"><RoleBadge role={m.role} /></div></td>
                <td data-label="Member since"><div class="cell"><Time at={m.createdAt} now={ctx.now} /></div></td>
              </tr>
            ))}
          </tbody>
        </table>
        {(d.paged || d.nextCursor) && (
          <nav class="pager" aria-label="Pages of members">
            {d.paged && <a href={here}>First page</a>}
            {d.nextCursor && <a href={`${here}?cursor=${encodeURIComponent(d.nextCursor)}`} rel="next">More members</a>}
          </nav>
        )}
      </section>

      {o.role && (
        <div class="danger-zone" id="leave">
          <h3>Leave the organization</h3>
          <p>Your tokens stop working in {o.displayName} at once. To come back you need a new invitation.</p>
          {d.leaveError && <p id="leave-error" class="field-error" role="alert"><span class="visually-hidden">Error: </span>{d.leaveError}</p>}
          <p><a class="btn btn-danger" href={`${here}/leave`} data-dialog="leave-dialog" aria-describedby={d.leaveError ? 'leave-error' : undefined}>Leave organization…</a></p>
          <dialog id="leave-dialog" aria-labelledby="leave-dialog-title">
            <h2 id="leave-dialog-title">Leave “{o.displayName}”?</h2>
            <p>Your tokens stop working in it at once. To come back you need a new invitation.</p>
            <LeaveForm csrf={ctx.viewer.csrf} org={o} dialog />
          </dialog>
        </div>
      )}
    </Layout>
  );
}

function LeaveForm(p: { csrf: string; org: OrgView; dialog?: boolean }) {
  return (
    <form method="post" action={`${orgPath(p.org.name)}/leave`} class="actions">
      <CsrfField csrf={p.csrf} />
      <button type="submit" class="btn btn-danger">Leave organization</button>
      {p.dialog ? <button type="button" class="btn btn-secondary" data-close-dialog>Cancel</button> : <a class="btn btn-secondary" href={orgPath(p.org.name)}>Cancel</a>}
    </form>
  );
}

/** The confirmation step before leaving (the script shows the same form in a dialog instead). */
export function leaveConfirmPage(ctx: PageCtx & { viewer: Viewer }, o: OrgView) {
  return (
    <Layout ctx={ctx} title={`Leave ${o.displayName}?`} section="orgs">
      <nav class="breadcrumbs" aria-label="Breadcrumbs"><a href="/orgs">Organizations</a> / <a href={orgPath(o.name)}>{o.displayName}</a></nav>
      <div class="danger-zone">
        <PageHeader title={<>Leave “{o.displayName}”?</>} lead="Your tokens stop working in it at once. To come back you need a new invitation." />
        <LeaveForm csrf={ctx.viewer.csrf} org={o} />
      </div>
    </Layout>
  );
}
