import type { PageCtx } from '../context.js';
import { Layout, PageHeader } from '../layout.js';

/** A browser that asked for a page that is not there (or not theirs: another user's token is "not found" too). */
export function notFoundPage(ctx: PageCtx, what = 'There is no page at this address.') {
  return (
    <Layout ctx={ctx} title="Page not found">
      <PageHeader title="Page not found" lead={what} />
      <p><a href="/tokens">Go to your personal access tokens</a></p>
    </Layout>
  );
}

/** Something went wrong with a page request; `message` is safe to show (never a secret). */
export function errorPage(ctx: PageCtx, o: { title?: string; message: string; back?: { href: string; label: string } }) {
  const title = o.title ?? 'Something went wrong';
  return (
    <Layout ctx={ctx} title={title}>
      <PageHeader title={title} />
      <div class="alert" role="alert"><p>{o.message}</p></div>
      <p><a href={o.back?.href ?? '/tokens'}>{o.back?.label ?? 'Your personal access tokens'}</a></p>
    </Layout>
  );
}
