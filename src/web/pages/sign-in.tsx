import { Alert, Hidden, TextField } from '../components/form.js';
import type { PageCtx } from '../context.js';
import { Layout, PageHeader } from '../layout.js';

/** Where "Sign in with SSO" (OpenID Connect) starts, coming back to `returnTo` afterwards. */
export const ssoHref = (returnTo: string) => `/signin/oidc?return_to=${encodeURIComponent(returnTo)}`;

export interface SignInOptions {
  title?: string;
  intro?: string;
  /** The path to land on after signing in. */
  returnTo: string;
  loginCsrf: string;
  error?: string;
  username?: string;
  /** OpenID Connect is configured: offer "Sign in with SSO". */
  sso: boolean;
}

/**
 * The sign-in form, shown at /signin and in place of any page a signed-out browser opens (the
 * address stays, so a link from a mail still leads to its page). It posts to /signin.
 */
export function signInPage(ctx: PageCtx, o: SignInOptions) {
  const title = o.title ?? 'Sign in to patd';
  return (
    <Layout ctx={ctx} title={o.title ?? 'Sign in'}>
      <div class="narrow">
        <PageHeader title={title} lead={o.intro ?? 'Sign in to create and manage your personal access tokens.'} />
        {o.error && <Alert>{o.error}</Alert>}
        {o.sso && (
          <>
            <p><a class="btn btn-secondary btn-block sso" href={ssoHref(o.returnTo)}>Sign in with SSO</a></p>
            <p class="divider"><span>or with your patd password</span></p>
          </>
        )}
        <form method="post" action="/signin" class="card">
          <Hidden name="login_csrf" value={o.loginCsrf} />
          <Hidden name="return_to" value={o.returnTo} />
          <TextField id="username" name="username" label="Username" value={o.username} autocomplete="username" required maxLength={100} />
          <TextField id="password" name="password" label="Password" type="password" autocomplete="current-password" required />
          <div class="actions">
            <button type="submit" class="btn btn-primary">Sign in</button>
          </div>
        </form>
      </div>
    </Layout>
  );
}
