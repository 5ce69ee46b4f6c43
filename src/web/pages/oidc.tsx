import type { PageCtx } from '../context.js';
import { Layout, PageHeader } from '../layout.js';
import { ssoHref } from './sign-in.js';

/** OpenID Connect sign-in did not happen: what went wrong and a way to start again. */
export function oidcErrorPage(ctx: PageCtx, message: string, returnTo: string) {
  return (
    <Layout ctx={ctx} title="Sign-in failed">
      <PageHeader title="Sign-in failed" />
      <div class="alert" role="alert"><p>{message}</p></div>
      <p><a class="btn btn-primary" href={ssoHref(returnTo)}>Sign in with SSO again</a></p>
    </Layout>
  );
}
