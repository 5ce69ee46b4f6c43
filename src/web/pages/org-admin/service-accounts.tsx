import type { ServiceAccountView } from '../../../core/orgs/service-accounts.js';
import type { OrgView } from '../../../core/orgs/service.js';
import { CsrfField, ErrorSummary, type FieldErrors, Notice, TextField } from '../../components/form.js';
import { Time } from '../../components/time.js';
import { OrgLayout, type OrgPageCtx, orgPath } from './layout.js';

export const SERVICE_ACCOUNTS_NOTICES = {
  deleted: 'The service account is deleted and its tokens are revoked.',
} as const;
export type ServiceAccountsNotice = keyof typeof SERVICE_ACCOUNTS_NOTICES;

export interface NewAccountValues {
  username: string;
  displayName: string;
}

export interface ServiceAccountsData {
  org: OrgView;
  accounts: ServiceAccountView[];
  values: NewAccountValues;
  errors: FieldErrors;
  notice?: ServiceAccountsNotice;
}

export const serviceAccountsPath = (org: string) => `${orgPath(org)}/service-accounts`;
export const serviceAccountPath = (org: string, username: string) => `${serviceAccountsPath(org)}/${encodeURIComponent(username)}`;

/** `/orgs/{org}/service-accounts`: the org's service accounts; create one. */
export function serviceAccountsPage(ctx: OrgPageCtx, d: ServiceAccountsData) {
  const org = d.org.name;
  return (
    <OrgLayout ctx={ctx} org={d.org} section="Service accounts" title="Service accounts" heading="Service accounts"
      lead="Accounts for automation (CI, deployments, bots) that belong to the organization, so nothing breaks when a person leaves. They cannot sign in; the organization's admins manage their tokens and receive their notices.">
      {d.notice && <Notice>{SERVICE_ACCOUNTS_NOTICES[d.notice]}</Notice>}
      {d.accounts.length === 0 ? <p class="empty">This organization has no service accounts yet.</p> : (
        <table class="list">
          <caption class="visually-hidden">Service accounts of {org}</caption>
          <thead><tr><th scope="col">Account</th><th scope="col">Display name</th><th scope="col">Created</th></tr></thead>
          <tbody>
            {d.accounts.map((a) => (
              <tr key={a.id}>
                <td data-label="Account"><div class="cell"><a class="token-name" href={serviceAccountPath(org, a.username)}>{a.username}</a></div></td>
                <td data-label="Display name"><div class="cell">{a.displayName}</div></td>
                <td data-label="Created"><div class="cell"><Time at={a.createdAt} now={ctx.now} /></div></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h2>New service account</h2>
      <ErrorSummary errors={d.errors} anchors={{ username: 'username', displayName: 'display_name' }} />
      <form method="post" action={serviceAccountsPath(org)} class="card">
        <CsrfField csrf={ctx.viewer.csrf} />
        <TextField id="username" name="username" label="Username" value={d.values.username} required maxLength={39} autocomplete="off" error={d.errors.username}
          hint="Lowercase letters, digits, dots, dashes and underscores, such as ci-deploy. It shows in audit logs and mails; it stays taken after the account is deleted." />
        <TextField id="display_name" name="display_name" label="Display name" value={d.values.displayName} maxLength={120} error={d.errors.displayName}
          hint="Optional: what it is for, such as “Release pipeline”." />
        {d.errors.form && <p class="field-error">{d.errors.form}</p>}
        <div class="actions"><button type="submit" class="btn btn-primary">Create service account</button></div>
      </form>
    </OrgLayout>
  );
}
