import type { SessionView } from '../../core/accounts/sessions.js';
import type { AuditEventView } from '../../core/audit/query.js';
import type { InvitationView } from '../../core/orgs/invitation-model.js';
import { AuditTable } from '../components/audit-table.js';
import { CsrfField, ErrorSummary, type FieldErrors, Notice, TextField } from '../components/form.js';
import { PendingInvitations } from '../components/invitations.js';
import { Time } from '../components/time.js';
import { browserSummary } from '../components/user-agent.js';
import type { PageCtx, Viewer } from '../context.js';
import { Layout, PageHeader } from '../layout.js';

/** What the account page says after an action (post/redirect/get). */
export const ACCOUNT_NOTICES = {
  profile: 'Your profile is saved.',
  password: 'Your password is changed. Every other session of yours has ended.',
  others: 'You are signed out everywhere else.',
  'session-ended': 'That session has ended.',
  declined: 'The invitation is declined.',
} as const;
export type AccountNotice = keyof typeof ACCOUNT_NOTICES;

export interface AccountData {
  sessions: SessionView[];
  invitations: InvitationView[];
  /** The newest events of the security log. */
  recent: AuditEventView[];
  notice?: AccountNotice;
  /** A refused profile form: what was typed and why. */
  profile?: { displayName: string; email: string; errors: FieldErrors };
  password?: { errors: FieldErrors };
}

/** `/account`: profile, password, sessions, pending invitations and the newest security events. */
export function accountPage(ctx: PageCtx & { viewer: Viewer }, d: AccountData) {
  const u = ctx.viewer.user;
  const csrf = ctx.viewer.csrf;
  const others = d.sessions.filter((s) => !s.current).length;
  return (
    <Layout ctx={ctx} title="Your account" section="account">
      <PageHeader title="Your account" lead={<>Signed in as <strong>{u.username}</strong> ({u.email}).</>} />
      {d.notice && <Notice>{ACCOUNT_NOTICES[d.notice]}</Notice>}
      <PendingInvitations csrf={csrf} invitations={d.invitations} returnTo="/account" now={ctx.now} />

      <section aria-labelledby="profile-heading">
        <h2 id="profile-heading">Profile</h2>
        <form method="post" action="/account/profile" class="card">
          <CsrfField csrf={csrf} />
          {d.profile && <ErrorSummary errors={d.profile.errors} anchors={{ displayName: 'display-name', email: 'email', currentPassword: 'profile-current-password' }} />}
          <TextField id="display-name" name="display_name" label="Display name" value={d.profile?.displayName ?? u.displayName} maxLength={120} required autocomplete="name" error={d.profile?.errors.displayName} hint="How patd names you to others, for example in invitations." />
          <TextField id="email" name="email" type="email" label="Email" value={d.profile?.email ?? u.email} maxLength={254} required autocomplete="email" error={d.profile?.errors.email} hint="Where patd sends notices about your tokens." />
          <TextField id="profile-current-password" name="current_password" type="password" label="Current password (to change the email)" autocomplete="current-password" error={d.profile?.errors.currentPassword} hint="Needed only when you change the email." />
          <div class="actions"><button type="submit" class="btn btn-primary">Save profile</button></div>
        </form>
      </section>

      <section aria-labelledby="password-heading">
        <h2 id="password-heading">Password</h2>
        <form method="post" action="/account/password" class="card">
          <CsrfField csrf={csrf} />
          {d.password && <ErrorSummary errors={d.password.errors} anchors={{ currentPassword: 'current-password', password: 'new-password', confirm: 'confirm-password' }} />}
          <p class="callout">Changing your password signs you out everywhere else: every other browser and device where you are signed in. This browser stays signed in, and your tokens keep working.</p>
          <TextField id="current-password" name="current_password" type="password" label="Current password" required autocomplete="current-password" error={d.password?.errors.currentPassword} />
          <TextField id="new-password" name="new_password" type="password" label="New password" required autocomplete="new-password" error={d.password?.errors.password} hint="At least 8 characters." />
          <TextField id="confirm-password" name="confirm_password" type="password" label="New password again" required autocomplete="new-password" error={d.password?.errors.confirm} />
          <div class="actions"><button type="submit" class="btn btn-primary">Change password</button></div>
        </form>
      </section>

      <section aria-labelledby="sessions-heading">
        <h2 id="sessions-heading">Where you are signed in</h2>
        <SessionTable csrf={csrf} sessions={d.sessions} now={ctx.now} />
        {others > 0 ? (
          <form method="post" action="/account/sessions/others" class="actions">
            <CsrfField csrf={csrf} />
            <button type="submit" class="btn btn-danger">Sign out everywhere else</button>
            <span class="muted">Ends {others === 1 ? 'the other session' : `the ${others} other sessions`}; this browser stays signed in.</span>
          </form>
        ) : <p class="muted">You are signed in only in this browser.</p>}
      </section>

      <section aria-labelledby="log-heading">
        <h2 id="log-heading">Security log</h2>
        <p>Sign-ins, changes to your account and your tokens, and your organizations, newest first.</p>
        {d.recent.length === 0 ? <p class="muted">Nothing yet.</p> : <AuditTable events={d.recent} now={ctx.now} caption="The newest events of your security log" />}
        <p class="actions"><a class="btn btn-secondary" href="/account/security-log">Full security log</a></p>
      </section>
    </Layout>
  );
}

function SessionTable(p: { csrf: string; sessions: SessionView[]; now: number }) {
  return (
    <table class="list">
      <caption class="visually-hidden">Your sessions, this browser first</caption>
      <thead>
        <tr><th scope="col">Browser</th><th scope="col">Signed in</th><th scope="col">Last seen</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr>
      </thead>
      <tbody>
        {[...p.sessions].sort((a, b) => Number(b.current) - Number(a.current)).map((s) => (
          <tr key={s.id}>
            <td data-label="Browser"><div class="cell">
              <span title={s.userAgent ?? undefined}>{browserSummary(s.userAgent)}</span>
              {s.current && <> <span class="badge badge-active">This browser</span></>}
            </div></td>
            <td data-label="Signed in"><div class="cell"><Time at={s.createdAt} now={p.now} />{s.ip && <><br /><small>from {s.ip}</small></>}</div></td>
            <td data-label="Last seen"><div class="cell"><Time at={s.lastSeenAt} now={p.now} format="relative" />{s.lastSeenIp && <><br /><small>from {s.lastSeenIp}</small></>}</div></td>
            <td data-label="Actions"><div class="cell">
              {s.current ? <span class="muted">Use “Sign out” at the top</span> : (
                <form method="post" action={`/account/sessions/${encodeURIComponent(s.id)}/end`}>
                  <CsrfField csrf={p.csrf} />
                  <button type="submit" class="btn btn-small btn-secondary">Sign out<span class="visually-hidden"> {browserSummary(s.userAgent)}, signed in <Time at={s.createdAt} now={p.now} /></span></button>
                </form>
              )}
            </div></td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
