import type { TokenView } from '../../core/tokens/view.js';
import { type Snippet, SecretReveal } from '../components/secret.js';
import type { PageCtx } from '../context.js';
import { Layout, PageHeader } from '../layout.js';
import { tokenPath } from './token.js';

/**
 * The one showing of a new secret (after creating or regenerating). Without `secret` (a reload,
 * the back button, another browser) it says the secret is gone.
 */
export function tokenSecretPage(ctx: PageCtx, t: TokenView, o: { secret: string | null; kind: 'created' | 'regenerated'; snippets: Snippet[] }) {
  if (!o.secret) {
    return (
      <Layout ctx={ctx} title={t.name} section="tokens">
        <PageHeader title="The secret is no longer shown" lead="patd shows a token's secret once, right after it is created or regenerated, and does not keep it." />
        <p>If you did not copy it, regenerate the token to get a new secret.</p>
        <p class="actions"><a class="btn btn-primary" href={tokenPath(t)}>Go to the token</a></p>
      </Layout>
    );
  }
  return (
    <Layout ctx={ctx} title={t.name} section="tokens">
      <PageHeader
        title={o.kind === 'created' ? <>Token “{t.name}” created</> : <>New secret for “{t.name}”</>}
        lead={o.kind === 'created' ? 'Copy your token now. You will not be able to see it again.' : 'Copy the new secret now. You will not be able to see it again.'}
      />
      <div class="card">
        <SecretReveal secret={o.secret} snippets={o.snippets} />
      </div>
      <p class="actions"><a class="btn btn-primary" href={tokenPath(t)}>Done</a> <a class="btn btn-secondary" href="/tokens">All tokens</a></p>
    </Layout>
  );
}
