import type { User } from '../../../core/model.js';
import { CsrfField, ErrorSummary, type FieldErrors, Notice, TextField } from '../../components/form.js';
import { PasswordChoice, type PasswordMode } from '../../components/password-choice.js';
import { Time } from '../../components/time.js';
import type { PageCtx, Viewer } from '../../context.js';
import { Layout, PageHeader } from '../../layout.js';
import { AdminHeader } from './admin-header.js';

type Ctx = PageCtx & { viewer: Viewer };
export const userPath = (u: { id: string }) => `/admin/users/${encodeURIComponent(u.id)}`;

export const USER_NOTICES = {
  created: 'The user is created. They can sign in with the password you set.',
  disabled: 'The user is disabled: their tokens and sessions stopped at once.',
  enabled: 'The user is enabled again.',
  'password-reset': 'The password is reset and every session of the user has ended.',
} as const;
export type UserNotice = keyof typeof USER_NOTICES;

const UserStatus = (p: { u: User }) => (
  <span class="tags">
    {p.u.disabled ? <span class="badge badge-revoked">Disabled</span> : <span class="badge badge-active">Active</span>}
    {p.u.isAdmin && <span class="badge badge-full">Instance admin</span>}
    {p.u.serviceOrgId && <span class="badge badge-expired">Service account</span>}
  </span>
);

/** `/admin/users`: every user of the instance, oldest first, page by page. */
export function usersPage(ctx: Ctx, d: { users: User[]; paged: boolean; nextCursor: string | null }) {
  return (
    <Layout ctx={ctx} title="Users" section="admin">
      <AdminHeader area="users" title="Users" lead="Everyone who can sign in to patd, and the organizations' service accounts." actions={<a class="btn btn-primary" href="/admin/users/new">Add user</a>} />
      <table class="list">
        <caption class="visually-hidden">Users, oldest first</caption>
        <thead><tr><th scope="col">Username</th><th scope="col">Display name</th><th scope="col">Email</th><th scope="col">Status</th><th scope="col">Created</th></tr></thead>
        <tbody>
          {d.users.map((u) => (
            <tr key={u.id}>
              <td data-label="Username"><div class="cell"><a class="token-name" href={userPath(u)}>{u.username}</a></div></td>
              <td data-label="Display name"><div class="cell">{u.displayName}</div></td>
              <td data-label="Email"><div class="cell">{u.email}</div></td>
              <td data-label="Status"><div class="cell"><UserStatus u={u} /></div></td>
              <td data-label="Created"><div class="cell"><Time at={u.createdAt} now={ctx.now} /></div></td>
            </tr>
          ))}
        </tbody>
      </table>
      {(d.paged || d.nextCursor) && (
        <nav class="pager" aria-label="Pages">
          {d.paged && <a href="/admin/users">First page</a>}
          {d.nextCursor && <a href={`/admin/users?cursor=${encodeURIComponent(d.nextCursor)}`} rel="next">Next page</a>}
        </nav>
      )}
    </Layout>
  );
}

export interface NewUserValues {
  username: string;
  email: string;
  displayName: string;
  mode: PasswordMode;
  admin: boolean;
}

/** `/admin/users/new`: add a user, with a generated or a typed password (or none, for SSO). */
export function newUserPage(ctx: Ctx, v: NewUserValues, errors: FieldErrors) {
  return (
    <Layout ctx={ctx} title="Add a user" section="admin">
      <AdminHeader area="users" title="Add a user" crumbs={{ href: '/admin/users', label: 'Users' }} />
      <form method="post" action="/admin/users/new" class="card">
        <CsrfField csrf={ctx.viewer.csrf} />
        <ErrorSummary errors={errors} anchors={{ username: 'username', email: 'email', displayName: 'display-name', password: 'f-password' }} />
        <TextField id="username" name="username" label="Username" value={v.username} required maxLength={39} autocomplete="off" error={errors.username} hint="What they sign in with: lowercase letters, digits, “.”, “_” or “-”." />
        <TextField id="email" name="email" type="email" label="Email" value={v.email} required maxLength={254} autocomplete="off" error={errors.email} hint="Where patd sends their token notices." />
        <TextField id="display-name" name="display_name" label="Display name" value={v.displayName} maxLength={120} autocomplete="off" error={errors.displayName} hint="Leave empty to use the username." />
        <PasswordChoice legend="Password" mode={v.mode} error={errors.password} allowNone />
        <div class="field">
          <label class="choice"><input type="checkbox" name="admin" value="1" checked={v.admin} /><span>Instance admin<span class="hint">Manages users, every organization and the resource-server clients.</span></span></label>
        </div>
        <div class="actions">
          <button type="submit" class="btn btn-primary">Add user</button>
          <a class="btn btn-secondary" href="/admin/users">Cancel</a>
        </div>
      </form>
    </Layout>
  );
}

/** `/admin/users/{id}`: one user's facts; disable or enable, reset the password. */
export function userPage(ctx: Ctx, u: User, o: { notice?: UserNotice; error?: string }) {
  const here = userPath(u);
  const self = u.id === ctx.viewer.user.id;
  return (
    <Layout ctx={ctx} title={u.username} section="admin">
      <AdminHeader area="users" title={u.username} lead={u.displayName} crumbs={{ href: '/admin/users', label: 'Users' }} />
      {o.notice && <Notice>{USER_NOTICES[o.notice]}</Notice>}
      {o.error && <div class="alert" role="alert"><p>{o.error}</p></div>}
      <dl class="facts">
        <dt>Username</dt><dd>{u.username}</dd>
        <dt>Display name</dt><dd>{u.displayName}</dd>
        <dt>Email</dt><dd>{u.email}</dd>
        <dt>Status</dt><dd><UserStatus u={u} /></dd>
        <dt>Password</dt><dd>{u.passwordHash ? 'set' : 'none (signs in with SSO, or a service account)'}</dd>
        <dt>Created</dt><dd><Time at={u.createdAt} now={ctx.now} /></dd>
      </dl>
      {u.serviceOrgId ? <p class="muted">A service account is managed by its organization's admins.</p> : (
        <section aria-labelledby="manage-heading">
          <h2 id="manage-heading">Manage</h2>
          <p class="actions"><a class="btn btn-secondary" href={`${here}/reset-password`}>Reset password…</a></p>
          {u.disabled ? (
            <form method="post" action={`${here}/enable`} class="actions">
              <CsrfField csrf={ctx.viewer.csrf} />
              <button type="submit" class="btn btn-primary">Enable user</button>
              <span class="muted">They can sign in again; their tokens that have not expired work again.</span>
            </form>
          ) : self ? <p class="muted">You cannot disable your own account.</p> : (
            <div class="danger-zone">
              <h3>Disable</h3>
              <p>Disabling stops every token and session of {u.username} at once. You can enable them again later.</p>
              <p><a class="btn btn-danger" href={`${here}/disable`} data-dialog="disable-dialog">Disable user…</a></p>
              <dialog id="disable-dialog" aria-labelledby="disable-dialog-title">
                <h2 id="disable-dialog-title">Disable {u.username}?</h2>
                <p>Every token and session of theirs stops at once.</p>
                <DisableForm csrf={ctx.viewer.csrf} u={u} dialog />
              </dialog>
            </div>
          )}
        </section>
      )}
    </Layout>
  );
}

function DisableForm(p: { csrf: string; u: User; dialog?: boolean }) {
  return (
    <form method="post" action={`${userPath(p.u)}/disable`} class="actions">
      <CsrfField csrf={p.csrf} />
      <button type="submit" class="btn btn-danger">Disable user</button>
      {p.dialog ? <button type="button" class="btn btn-secondary" data-close-dialog>Cancel</button> : <a class="btn btn-secondary" href={userPath(p.u)}>Cancel</a>}
    </form>
  );
}

/** The confirmation step before disabling (the script shows the same form in a dialog instead). */
export function disableConfirmPage(ctx: Ctx, u: User) {
  return (
    <Layout ctx={ctx} title={`Disable ${u.username}?`} section="admin">
      <nav class="breadcrumbs" aria-label="Breadcrumbs"><a href="/admin/users">Users</a> / <a href={userPath(u)}>{u.username}</a></nav>
      <div class="danger-zone">
        <PageHeader title={`Disable ${u.username}?`} lead="Every token and session of theirs stops at once. You can enable them again later." />
        <DisableForm csrf={ctx.viewer.csrf} u={u} />
      </div>
    </Layout>
  );
}

/** `/admin/users/{id}/reset-password`: a new password, generated or typed; every session of the user ends. */
export function resetPasswordPage(ctx: Ctx, u: User, o: { mode: PasswordMode; error?: string }) {
  return (
    <Layout ctx={ctx} title={`Reset the password of ${u.username}`} section="admin">
      <nav class="breadcrumbs" aria-label="Breadcrumbs"><a href="/admin/users">Users</a> / <a href={userPath(u)}>{u.username}</a></nav>
      <PageHeader title={`Reset the password of ${u.username}`} lead="The old password stops working and every session of theirs ends at once (they are signed out everywhere). Their tokens keep working." />
      <form method="post" action={`${userPath(u)}/reset-password`} class="card">
        <CsrfField csrf={ctx.viewer.csrf} />
        <ErrorSummary errors={{ password: o.error }} anchors={{ password: 'f-password' }} />
        <PasswordChoice legend="New password" mode={o.mode} error={o.error} />
        <div class="actions">
          <button type="submit" class="btn btn-danger">Reset password</button>
          <a class="btn btn-secondary" href={userPath(u)}>Cancel</a>
        </div>
      </form>
    </Layout>
  );
}

/** The one showing of a password patd generated (after adding a user or resetting a password). */
export function generatedPasswordPage(ctx: Ctx, u: User, password: string | null) {
  return (
    <Layout ctx={ctx} title={`Password of ${u.username}`} section="admin">
      <nav class="breadcrumbs" aria-label="Breadcrumbs"><a href="/admin/users">Users</a> / <a href={userPath(u)}>{u.username}</a></nav>
      {password ? (
        <>
          <PageHeader title={`The password of ${u.username}`} lead="Pass it on safely (not in the same message as the username). It is shown only this once." />
          <div class="card secret">
            <label for="secret-value">Password</label>
            <div class="secret-row">
              <input id="secret-value" class="secret-value" type="text" readOnly value={password} spellcheck={false} autocomplete="off" />
              <button type="button" class="btn btn-primary" data-copy="secret-value" hidden>Copy</button>
            </div>
            <p class="copy-status" role="status" aria-live="polite" data-copy-status />
          </div>
        </>
      ) : <PageHeader title="The password is no longer shown" lead="patd shows a generated password once and does not keep it. Reset the password again if it was lost." />}
      <p class="actions"><a class="btn btn-primary" href={userPath(u)}>Done</a></p>
    </Layout>
  );
}
