import { ROLES, type Role } from '../../../core/model.js';
import type { InvitationView } from '../../../core/orgs/invitation-model.js';
import type { OrgView } from '../../../core/orgs/service.js';
import { CsrfField, ErrorSummary, FieldError, type FieldErrors, Notice, TextField } from '../../components/form.js';
import { Time } from '../../components/time.js';
import { OrgLayout, type OrgPageCtx, orgPath, Pager, withQuery } from './layout.js';

export const INVITATION_NOTICES = {
  invited: 'The invitation is sent. It can be accepted for 7 days, on the invitee’s account page.',
  withdrawn: 'The invitation is withdrawn.',
} as const;
export type InvitationNotice = keyof typeof INVITATION_NOTICES;

export interface InviteValues {
  username: string;
  role: string;
}

export interface InvitationsData {
  org: OrgView;
  pending: InvitationView[];
  actsAsOwner: boolean;
  values: InviteValues;
  errors: FieldErrors;
  nextCursor: string | null;
  paged: boolean;
  notice?: InvitationNotice;
}

export const invitationsPath = (org: string) => `${orgPath(org)}/invitations`;

const ROLE_TEXT: Record<Role, string> = {
  member: 'member — uses the organization',
  admin: 'admin — manages members, tokens, policy, audit and webhooks',
  owner: 'owner — an admin who also manages owners',
};

/** `/orgs/{org}/invitations`: invite a person by username with a role; the pending invitations and their expiry; withdraw. */
export function invitationsPage(ctx: OrgPageCtx, d: InvitationsData) {
  const org = d.org.name;
  const here = invitationsPath(org);
  return (
    <OrgLayout ctx={ctx} org={d.org} section="Invitations" title="Invitations" heading="Invitations"
      lead="People join an organization with their consent: they accept the invitation on their account page. Joining makes their tokens for all organizations usable here, and visible to its admins.">
      {d.notice && <Notice>{INVITATION_NOTICES[d.notice]}</Notice>}
      <ErrorSummary errors={d.errors} anchors={{ username: 'username', role: 'role' }} />
      <form method="post" action={here} class="card">
        <h2 class="card-title">Invite someone</h2>
        <CsrfField csrf={ctx.viewer.csrf} />
        <TextField id="username" name="username" label="Username" value={d.values.username} required maxLength={64} autocomplete="off"
          error={d.errors.username} hint="Their patd username. They are mailed, and see the invitation on their account page." />
        <div class={d.errors.role ? 'field invalid' : 'field'}>
          <label for="role">Role</label>
          <select id="role" name="role" aria-describedby={d.errors.role ? 'role-error' : undefined} aria-invalid={d.errors.role ? 'true' : undefined}>
            {ROLES.filter((r) => d.actsAsOwner || r !== 'owner').map((r) => <option key={r} value={r} selected={r === (d.values.role || 'member')}>{ROLE_TEXT[r]}</option>)}
          </select>
          <FieldError id="role" error={d.errors.role} />
        </div>
        {d.errors.form && <p class="field-error">{d.errors.form}</p>}
        <div class="actions"><button type="submit" class="btn btn-primary">Send invitation</button></div>
      </form>

      <h2>Pending invitations</h2>
      {d.pending.length === 0 ? <p class="empty">No invitations are waiting for an answer.</p> : (
        <table class="list">
          <caption class="visually-hidden">Pending invitations of {org}, oldest first</caption>
          <thead><tr><th scope="col">Person</th><th scope="col">Role</th><th scope="col">Invited by</th><th scope="col">Sent</th><th scope="col">Expires</th><th scope="col">Actions</th></tr></thead>
          <tbody>
            {d.pending.map((i) => (
              <tr key={i.id}>
                <td data-label="Person"><div class="cell"><strong>{i.username}</strong></div></td>
                <td data-label="Role"><div class="cell">{i.role}</div></td>
                <td data-label="Invited by"><div class="cell">{i.invitedBy}</div></td>
                <td data-label="Sent"><div class="cell"><Time at={i.createdAt} now={ctx.now} format="relative" /></div></td>
                <td data-label="Expires"><div class="cell"><Time at={i.expiresAt} now={ctx.now} format="relative" /><br /><small><Time at={i.expiresAt} now={ctx.now} /></small></div></td>
                <td data-label="Actions"><div class="cell">
                  <form method="post" action={`${here}/${encodeURIComponent(i.id)}/withdraw`}>
                    <CsrfField csrf={ctx.viewer.csrf} />
                    <button type="submit" class="btn btn-small btn-secondary" aria-label={`Withdraw the invitation of ${i.username}`}>Withdraw</button>
                  </form>
                </div></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Pager first={d.paged ? here : undefined} next={d.nextCursor ? withQuery(here, { cursor: d.nextCursor }) : undefined} />
    </OrgLayout>
  );
}
