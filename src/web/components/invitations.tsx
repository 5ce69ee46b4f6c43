import type { InvitationView } from '../../core/orgs/invitation-model.js';
import { CsrfField, Hidden } from './form.js';
import { Time } from './time.js';

export const invitationAction = (i: { id: string }, action: 'accept' | 'decline') => `/account/invitations/${encodeURIComponent(i.id)}/${action}`;

/**
 * The viewer's pending invitations, each with Accept and Decline (forms that post to the
 * account routes and come back to `returnTo`). Shown on /tokens and on the account page.
 */
export function PendingInvitations(p: { csrf: string; invitations: InvitationView[]; returnTo: string; now: number; id?: string }) {
  if (p.invitations.length === 0) return null;
  const id = p.id ?? 'invitations';
  const n = p.invitations.length;
  return (
    <section class="invitations" aria-labelledby={`${id}-heading`}>
      <h2 id={`${id}-heading`}>{n === 1 ? 'You have a pending invitation' : `You have ${n} pending invitations`}</h2>
      <ul class="plain">
        {p.invitations.map((i) => (
          <li key={i.id} class="invitation">
            <p>
              <strong>{i.orgDisplayName}</strong> (<code>{i.org}</code>) invites you to join as <strong>{i.role}</strong>.
              <br /><small class="muted">Invited by {i.invitedBy}; the invitation expires <Time at={i.expiresAt} now={p.now} format="relative" />.</small>
            </p>
            <div class="actions">
              <form method="post" action={invitationAction(i, 'accept')}>
                <CsrfField csrf={p.csrf} />
                <Hidden name="return_to" value={p.returnTo} />
                <button type="submit" class="btn btn-primary btn-small">Accept<span class="visually-hidden"> the invitation to {i.orgDisplayName}</span></button>
              </form>
              <form method="post" action={invitationAction(i, 'decline')}>
                <CsrfField csrf={p.csrf} />
                <Hidden name="return_to" value={p.returnTo} />
                <button type="submit" class="btn btn-secondary btn-small">Decline<span class="visually-hidden"> the invitation to {i.orgDisplayName}</span></button>
              </form>
            </div>
          </li>
        ))}
      </ul>
    </section>
  );
}
