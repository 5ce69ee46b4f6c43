import { WEBHOOK_EVENTS } from '../../../core/notifications/model.js';
import type { WebhookView } from '../../../core/notifications/webhooks.js';
import type { OrgView } from '../../../core/orgs/service.js';
import { CsrfField, ErrorSummary, type FieldErrors, Fieldset, Notice, TextField } from '../../components/form.js';
import { Time } from '../../components/time.js';
import { OrgLayout, type OrgPageCtx, orgPath, Pager, withQuery } from './layout.js';

export const WEBHOOK_NOTICES = { deleted: 'The webhook is deleted: nothing more is sent to it.' } as const;
export type WebhookNotice = keyof typeof WEBHOOK_NOTICES;

export const EVENT_TEXT: Record<(typeof WEBHOOK_EVENTS)[number], string> = {
  'token.created': 'a token is created',
  'token.regenerated': 'a token gets a new secret',
  'token.expiring': 'a token is about to expire',
  'token.revoked': 'a token is revoked',
  'token.leaked': 'a token is reported as leaked',
};

export interface NewWebhookValues {
  url: string;
  description: string;
  events: string[];
}

export interface WebhooksData {
  org: OrgView;
  webhooks: WebhookView[];
  values: NewWebhookValues;
  errors: FieldErrors;
  nextCursor: string | null;
  paged: boolean;
  notice?: WebhookNotice;
}

export const webhooksPath = (org: string) => `${orgPath(org)}/webhooks`;
export const webhookPath = (org: string, id: string) => `${webhooksPath(org)}/${encodeURIComponent(id)}`;

/** A webhook URL for the screen: a password in it is not shown (it is sent, and kept sealed in no log). */
export function shownUrl(url: string): string {
  try {
    const u = new URL(url);
    if (!u.password) return url;
    u.password = '****';
    return u.toString();
  } catch {
    return url;
  }
}

/** `/orgs/{org}/webhooks`: the org's webhooks; add one (its signing secret is shown once). */
export function webhooksPage(ctx: OrgPageCtx, d: WebhooksData) {
  const org = d.org.name;
  const here = webhooksPath(org);
  return (
    <OrgLayout ctx={ctx} org={d.org} section="Webhooks" title="Webhooks" heading="Webhooks"
      lead="patd POSTs a signed JSON message to these addresses when something happens to a token usable in this organization. Failed deliveries are retried with backoff.">
      {d.notice && <Notice>{WEBHOOK_NOTICES[d.notice]}</Notice>}
      {d.webhooks.length === 0 ? <p class="empty">No webhooks yet.</p> : (
        <table class="list">
          <caption class="visually-hidden">Webhooks of {org}</caption>
          <thead><tr><th scope="col">Address</th><th scope="col">Events</th><th scope="col">Added</th></tr></thead>
          <tbody>
            {d.webhooks.map((w) => (
              <tr key={w.id}>
                <td data-label="Address"><div class="cell">
                  <a class="token-name" href={webhookPath(org, w.id)}>{w.description ?? shownUrl(w.url)}</a>
                  {w.description && <><br /><small><code>{shownUrl(w.url)}</code></small></>}
                </div></td>
                <td data-label="Events"><div class="cell"><span class="tags">{w.events.map((e) => <code key={e}>{e}</code>)}</span></div></td>
                <td data-label="Added"><div class="cell"><Time at={w.createdAt} now={ctx.now} /></div></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Pager first={d.paged ? here : undefined} next={d.nextCursor ? withQuery(here, { cursor: d.nextCursor }) : undefined} />

      <h2>Add a webhook</h2>
      <ErrorSummary errors={d.errors} anchors={{ url: 'url', description: 'description', events: 'f-events' }} />
      <form method="post" action={here} class="card">
        <CsrfField csrf={ctx.viewer.csrf} />
        <TextField id="url" name="url" label="Payload URL" value={d.values.url} required maxLength={2000} autocomplete="off" error={d.errors.url}
          hint="An http:// or https:// address that patd can reach on the internet (not a private or internal address)." />
        <TextField id="description" name="description" label="Description" value={d.values.description} maxLength={200} error={d.errors.description}
          hint="Optional: what receives it, such as “SIEM” or “chat alerts”." />
        <Fieldset id="f-events" legend="Events" error={d.errors.events} hint="Send a message when…">
          <div class="choices">
            {WEBHOOK_EVENTS.map((e) => (
              <label class="choice" key={e}>
                <input type="checkbox" name="event" value={e} checked={d.values.events.includes(e)} />
                <span><code>{e}</code> {EVENT_TEXT[e]}</span>
              </label>
            ))}
          </div>
        </Fieldset>
        {d.errors.form && <p class="field-error">{d.errors.form}</p>}
        <div class="actions"><button type="submit" class="btn btn-primary">Add webhook</button></div>
      </form>
    </OrgLayout>
  );
}
