import type { WebhookDelivery } from '../../../core/notifications/ports.js';
import type { WebhookView } from '../../../core/notifications/webhooks.js';
import type { OrgView } from '../../../core/orgs/service.js';
import { SecretReveal } from '../../components/secret.js';
import { Time } from '../../components/time.js';
import { DangerAction } from './confirm.js';
import { OrgLayout, type OrgPageCtx, Pager, withQuery } from './layout.js';
import { shownUrl, webhookPath, webhooksPath } from './webhooks.js';

export interface WebhookData {
  org: OrgView;
  webhook: WebhookView;
  deliveries: WebhookDelivery[];
  nextCursor: string | null;
  paged: boolean;
}

const label = (w: WebhookView) => w.description ?? shownUrl(w.url);
const crumbs = (org: string, w: WebhookView) => [{ href: webhookPath(org, w.id), label: label(w) }];

/** `/orgs/{org}/webhooks/{id}`: one webhook and its delivery log (newest first); delete. */
export function webhookPage(ctx: OrgPageCtx, d: WebhookData) {
  const org = d.org.name;
  const w = d.webhook;
  const here = webhookPath(org, w.id);
  return (
    <OrgLayout ctx={ctx} org={d.org} section="Webhooks" crumbs={crumbs(org, w)} title={label(w)} heading={label(w)}>
      <dl class="facts">
        <dt>Payload URL</dt><dd><code>{shownUrl(w.url)}</code></dd>
        <dt>Description</dt><dd>{w.description ?? <span class="muted">None</span>}</dd>
        <dt>Events</dt><dd><span class="tags">{w.events.map((e) => <code key={e}>{e}</code>)}</span></dd>
        <dt>Added</dt><dd><Time at={w.createdAt} now={ctx.now} /></dd>
      </dl>
      <section aria-labelledby="deliveries-heading">
        <h2 id="deliveries-heading">Deliveries</h2>
        {d.deliveries.length === 0 ? <p class="empty">Nothing has been sent yet. A delivery appears here when one of its events happens.</p> : (
          <table class="list">
            <caption class="visually-hidden">Delivery attempts, newest first</caption>
            <thead><tr><th scope="col">When</th><th scope="col">Event</th><th scope="col">Attempt</th><th scope="col">Result</th><th scope="col">Took</th><th scope="col">Error</th></tr></thead>
            <tbody>
              {d.deliveries.map((x) => (
                <tr key={x.id}>
                  <td data-label="When"><div class="cell"><Time at={x.at} now={ctx.now} /></div></td>
                  <td data-label="Event"><div class="cell"><code>{x.eventType}</code><br /><small class="muted"><code>{x.messageId}</code></small></div></td>
                  <td data-label="Attempt"><div class="cell">{x.attempt}</div></td>
                  <td data-label="Result"><div class="cell">
                    <span class={x.ok ? 'badge badge-active' : 'badge badge-revoked'}>{x.ok ? 'Delivered' : 'Failed'}</span>
                    {x.statusCode !== null && <> HTTP {x.statusCode}</>}
                  </div></td>
                  <td data-label="Took"><div class="cell">{x.durationMs} ms</div></td>
                  <td data-label="Error"><div class="cell">{x.error ?? <span class="muted">—</span>}</div></td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <Pager first={d.paged ? here : undefined} next={d.nextCursor ? withQuery(here, { cursor: d.nextCursor }) : undefined} />
      </section>
      <div class="danger-zone">
        <h3>Delete this webhook</h3>
        <p>Nothing more is sent to it, also not the retries of failed deliveries.</p>
        <p><DangerAction id="delete-dialog" href={`${here}/delete`} csrf={ctx.viewer.csrf} label="Delete webhook…" c={deleteWebhook(org, w)} /></p>
      </div>
    </OrgLayout>
  );
}

export const deleteWebhook = (org: string, w: WebhookView) => ({
  action: `${webhookPath(org, w.id)}/delete`, confirm: 'Delete webhook', cancel: webhookPath(org, w.id),
  title: <>Delete the webhook “{label(w)}”?</>,
  text: <>patd stops sending to <code>{shownUrl(w.url)}</code> at once. This cannot be undone: to receive events again, add it anew (with a new secret).</>,
});

/** The one showing of a new webhook's signing secret. */
export function webhookSecretPage(ctx: OrgPageCtx, org: OrgView, w: WebhookView, secret: string | null) {
  const back = webhookPath(org.name, w.id);
  if (!secret) {
    return (
      <OrgLayout ctx={ctx} org={org} section="Webhooks" crumbs={crumbs(org.name, w)} title={label(w)} heading="The signing secret is no longer shown"
        lead="patd shows a webhook's signing secret once, right after it is added.">
        <p>If it was not copied, delete the webhook and add it again to get a new secret.</p>
        <p class="actions"><a class="btn btn-primary" href={back}>Go to the webhook</a></p>
      </OrgLayout>
    );
  }
  return (
    <OrgLayout ctx={ctx} org={org} section="Webhooks" crumbs={crumbs(org.name, w)} title={label(w)} heading="Webhook added"
      lead="Copy the signing secret now into the receiver, which uses it to check that messages come from patd (Standard Webhooks signatures). You will not be able to see it again.">
      <div class="card">
        <SecretReveal secret={secret} snippets={[]} label="Signing secret"
          hint="Keep it in the receiver's configuration or a secret store. It will not be shown again." />
      </div>
      <p class="actions"><a class="btn btn-primary" href={back}>Done</a> <a class="btn btn-secondary" href={webhooksPath(org.name)}>All webhooks</a></p>
    </OrgLayout>
  );
}
