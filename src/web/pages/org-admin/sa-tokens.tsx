import type { ServiceAccountView } from '../../../core/orgs/service-accounts.js';
import type { OrgView } from '../../../core/orgs/service.js';
import type { TokenView } from '../../../core/tokens/view.js';
import { Alert, CsrfField, ErrorSummary } from '../../components/form.js';
import { type Snippet, SecretReveal } from '../../components/secret.js';
import { TOKEN_FIELD_ANCHORS, TokenFields } from '../../components/token-fields.js';
import { RegenerateForm } from '../token.js';
import type { TokenFormData } from '../token-form.js';
import { OrgLayout, type OrgPageCtx } from './layout.js';
import { saTokenPath } from './service-account.js';
import { serviceAccountPath } from './service-accounts.js';

const crumbs = (org: string, a: ServiceAccountView) => [{ href: serviceAccountPath(org, a.username), label: a.username }];

/** `/orgs/{org}/service-accounts/{username}/tokens/new`: the token form, limited to the org and its policy. */
export function saNewTokenPage(ctx: OrgPageCtx, org: OrgView, a: ServiceAccountView, d: TokenFormData) {
  const back = serviceAccountPath(org.name, a.username);
  return (
    <OrgLayout ctx={ctx} org={org} section="Service accounts" crumbs={crumbs(org.name, a)} title={`New token for ${a.username}`}
      heading={<>New token for {a.username}</>} lead="The token is shown once, right after you create it. It works in this organization only.">
      <ErrorSummary errors={d.errors} anchors={TOKEN_FIELD_ANCHORS} />
      <form method="post" action={`${back}/tokens/new`} class="card token-form" data-token-form>
        <CsrfField csrf={ctx.viewer.csrf} />
        <TokenFields v={d.values} o={d.options} errors={d.errors} />
        <div class="actions">
          <button type="submit" class="btn btn-primary">Create token</button>
          <a class="btn btn-secondary" href={back}>Cancel</a>
        </div>
      </form>
    </OrgLayout>
  );
}

/** The one showing of a service account token's new secret (after creating or regenerating it). */
export function saTokenSecretPage(ctx: OrgPageCtx, org: OrgView, a: ServiceAccountView, t: TokenView, o: { secret: string | null; kind: 'created' | 'regenerated'; snippets: Snippet[] }) {
  const back = serviceAccountPath(org.name, a.username);
  if (!o.secret) {
    return (
      <OrgLayout ctx={ctx} org={org} section="Service accounts" crumbs={crumbs(org.name, a)} title={t.name} heading="The secret is no longer shown"
        lead="patd shows a token's secret once, right after it is created or regenerated, and does not keep it.">
        <p>If it was not copied, regenerate the token to get a new secret.</p>
        <p class="actions"><a class="btn btn-primary" href={back}>Back to {a.username}</a></p>
      </OrgLayout>
    );
  }
  return (
    <OrgLayout ctx={ctx} org={org} section="Service accounts" crumbs={crumbs(org.name, a)} title={t.name}
      heading={o.kind === 'created' ? <>Token “{t.name}” created</> : <>New secret for “{t.name}”</>}
      lead="Copy it now into the tool that acts as this service account. You will not be able to see it again.">
      <div class="card"><SecretReveal secret={o.secret} snippets={o.snippets} /></div>
      <p class="actions"><a class="btn btn-primary" href={back}>Done</a></p>
    </OrgLayout>
  );
}

/** The confirmation step before regenerating a service account's token, with the grace period for the old secret. */
export function saRegeneratePage(ctx: OrgPageCtx, org: OrgView, a: ServiceAccountView, t: TokenView, error?: string) {
  const back = serviceAccountPath(org.name, a.username);
  return (
    <OrgLayout ctx={ctx} org={org} section="Service accounts" crumbs={crumbs(org.name, a)} title={`Regenerate ${t.name}?`}
      heading={<>Regenerate “{t.name}”?</>} lead={<>Token <code>{t.hint}</code> of {a.username} gets a new secret; its name, scopes and expiry stay. Tools using the old secret must be given the new one.</>}>
      {error && <Alert>{error}</Alert>}
      <RegenerateForm action={`${saTokenPath(org.name, a.username, t.id)}/regenerate`} cancel={back} csrf={ctx.viewer.csrf} />
    </OrgLayout>
  );
}
