import type { Membership, Role } from '../../../core/model.js';
import { ROLES } from '../../../core/model.js';
import type { OrgView } from '../../../core/orgs/service.js';
import { CsrfField, ErrorSummary, FieldError, Notice } from '../../components/form.js';
import { Time } from '../../components/time.js';
import { DangerAction } from './confirm.js';
import { OrgLayout, type OrgPageCtx, orgPath, Pager, withQuery } from './layout.js';

export const MEMBER_NOTICES = {
  role: 'The role is changed.',
  removed: 'The member is removed: their tokens no longer work in this organization.',
} as const;
export type MemberNotice = keyof typeof MEMBER_NOTICES;

export interface MembersData {
  org: OrgView;
  members: Membership[];
  /** Usernames of the org's service accounts (managed on their own page, not here). */
  serviceAccounts: Set<string>;
  /** The viewer may grant and take away `owner` (an owner, or an instance admin). */
  actsAsOwner: boolean;
  nextCursor: string | null;
  paged: boolean;
  notice?: MemberNotice;
  /** A refusal, by the username it is about (shown at that member's role field). */
  errors?: Record<string, string>;
  /** The role that was asked for, kept in the refused row's field. */
  asked?: { username: string; role: Role };
}

export const membersPath = (org: string) => `${orgPath(org)}/members`;
export const memberPath = (org: string, username: string) => `${membersPath(org)}/${encodeURIComponent(username)}`;

/** `/orgs/{org}/members`: members and roles; change a role, remove a member (behind a confirmation). */
export function membersPage(ctx: OrgPageCtx, d: MembersData) {
  const org = d.org.name;
  return (
    <OrgLayout ctx={ctx} org={d.org} section="Members" title="Members" heading="Members and roles"
      lead="Owners and admins manage the organization: its members, policy, tokens, audit log and webhooks. Only owners make someone an owner. New people join by invitation."
      actions={<a class="btn btn-primary" href={`${orgPath(org)}/invitations`}>Invite someone</a>}>
      {d.notice && <Notice>{MEMBER_NOTICES[d.notice]}</Notice>}
      <ErrorSummary errors={d.errors ?? {}} anchors={Object.fromEntries(d.members.map((m, i) => [m.username, editable(d, m) ? `role-${i}` : `member-${i}`]))} />
      <table class="list">
        <caption class="visually-hidden">Members of {org}</caption>
        <thead><tr><th scope="col">Member</th><th scope="col">Role</th><th scope="col">Member since</th><th scope="col">Actions</th></tr></thead>
        <tbody>
          {d.members.map((m, i) => <MemberRow key={m.userId} ctx={ctx} d={d} m={m} i={i} />)}
        </tbody>
      </table>
      <Pager first={d.paged ? membersPath(org) : undefined} next={d.nextCursor ? withQuery(membersPath(org), { cursor: d.nextCursor }) : undefined} />
    </OrgLayout>
  );
}

/** Whose role the viewer may change here: not a service account's, and an owner's only as an owner. */
const editable = (d: MembersData, m: Membership) => !d.serviceAccounts.has(m.username) && (d.actsAsOwner || m.role !== 'owner');

function MemberRow(p: { ctx: OrgPageCtx; d: MembersData; m: Membership; i: number }) {
  const { d, m } = p;
  const org = d.org.name;
  const me = m.userId === p.ctx.viewer.user.id;
  const sa = d.serviceAccounts.has(m.username);
  const error = d.errors?.[m.username];
  const id = `role-${p.i}`;
  const canEdit = editable(d, m);
  const chosen = d.asked?.username === m.username ? d.asked.role : m.role;
  return (
    <tr>
      <td data-label="Member" id={`member-${p.i}`}><div class="cell">
        {sa ? <a href={`${orgPath(org)}/service-accounts/${encodeURIComponent(m.username)}`}>{m.username}</a> : <strong>{m.username}</strong>}
        {me && <span class="muted"> (you)</span>}
        {sa && <> <span class="badge badge-neutral">Service account</span></>}
      </div></td>
      <td data-label="Role"><div class="cell">
        {canEdit ? (
          <>
            <form method="post" action={`${memberPath(org, m.username)}/role`} class="inline-form">
              <CsrfField csrf={p.ctx.viewer.csrf} />
              <label for={id} class="visually-hidden">Role of {m.username}</label>
              <select id={id} name="role" aria-describedby={error ? `${id}-error` : undefined} aria-invalid={error ? 'true' : undefined}>
                {ROLES.filter((r) => d.actsAsOwner || r !== 'owner').map((r) => <option key={r} value={r} selected={r === chosen}>{r}</option>)}
              </select>
              <button type="submit" class="btn btn-small btn-secondary" aria-label={`Change role of ${m.username}`}>Change role</button>
            </form>
            <FieldError id={id} error={error} />
          </>
        ) : <><span>{m.role}{!sa && <span class="hint">Only owners change an owner's role.</span>}</span><FieldError id={id} error={error} /></>}
      </div></td>
      <td data-label="Member since"><div class="cell"><Time at={m.createdAt} now={p.ctx.now} /></div></td>
      <td data-label="Actions"><div class="cell">
        {sa ? <a href={`${orgPath(org)}/service-accounts/${encodeURIComponent(m.username)}`} aria-label={`Manage ${m.username}`}>Manage</a>
          : me ? <span class="muted">—</span>
          : canEdit ? (
            <DangerAction id={`remove-${p.i}`} href={`${memberPath(org, m.username)}/remove`} small csrf={p.ctx.viewer.csrf}
              label="Remove…" name={`Remove ${m.username}…`} c={removeConfirmation(org, m.username)} />
          ) : <span class="muted">—</span>}
      </div></td>
    </tr>
  );
}

export const removeConfirmation = (org: string, username: string) => ({
  action: `${memberPath(org, username)}/remove`, confirm: 'Remove member', cancel: membersPath(org),
  title: <>Remove {username} from {org}?</>,
  text: <>Their tokens stop working in this organization at once (global ones too); they keep working elsewhere. To come back, {username} needs a new invitation.</>,
});
