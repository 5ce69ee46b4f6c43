import type { TokenView } from '../../core/tokens/view.js';
import { CsrfField, ErrorSummary, type FieldErrors } from '../components/form.js';
import { RefreshButton, TOKEN_FIELD_ANCHORS, TokenFields, type TokenFormOptions, type TokenFormValues } from '../components/token-fields.js';
import type { PageCtx, Viewer } from '../context.js';
import { Layout, PageHeader } from '../layout.js';

export interface TokenFormData {
  values: TokenFormValues;
  options: TokenFormOptions;
  errors: FieldErrors;
}

/** `/tokens/new`: create a token. The secret is shown once, on the next page. */
export function newTokenPage(ctx: PageCtx & { viewer: Viewer }, d: TokenFormData) {
  return (
    <Layout ctx={ctx} title="New personal access token" section="tokens">
      <PageHeader title="New personal access token" lead="The token is shown once, right after you create it. Copy it then: patd keeps only a fingerprint." />
      <ErrorSummary errors={d.errors} anchors={TOKEN_FIELD_ANCHORS} />
      <form method="post" action="/tokens/new" class="card token-form" data-token-form>
        <CsrfField csrf={ctx.viewer.csrf} />
        <TokenFields v={d.values} o={d.options} errors={d.errors} />
        <div class="actions">
          <button type="submit" name="action" value="create" class="btn btn-primary">Create token</button>
          <RefreshButton orgs={d.options.orgs} />
          <a class="btn btn-secondary" href="/tokens">Cancel</a>
        </div>
      </form>
    </Layout>
  );
}

/** `/tokens/{id}/edit`: name, organizations, scopes and expiry of an existing token (policies re-checked). */
export function editTokenPage(ctx: PageCtx & { viewer: Viewer }, t: TokenView, d: TokenFormData) {
  const here = `/tokens/${encodeURIComponent(t.id)}`;
  return (
    <Layout ctx={ctx} title={`Edit ${t.name}`} section="tokens">
      <nav class="breadcrumbs" aria-label="Breadcrumbs"><a href="/tokens">Personal access tokens</a> / <a href={here}>{t.name}</a></nav>
      <PageHeader title={<>Edit “{t.name}”</>} lead="Changes apply at once, everywhere the token is used. The secret stays the same." />
      <ErrorSummary errors={d.errors} anchors={TOKEN_FIELD_ANCHORS} />
      <form method="post" action={`${here}/edit`} class="card token-form" data-token-form>
        <CsrfField csrf={ctx.viewer.csrf} />
        <TokenFields v={d.values} o={d.options} errors={d.errors} />
        <div class="actions">
          <button type="submit" name="action" value="save" class="btn btn-primary">Save changes</button>
          <RefreshButton orgs={d.options.orgs} />
          <a class="btn btn-secondary" href={here}>Cancel</a>
        </div>
      </form>
    </Layout>
  );
}
