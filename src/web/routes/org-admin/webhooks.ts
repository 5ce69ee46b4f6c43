import type { FastifyInstance, FastifyReply } from 'fastify';
import { WEBHOOK_EVENTS } from '../../../core/notifications/model.js';
import type { WebhookService } from '../../../core/notifications/webhooks.js';
import type { FieldErrors } from '../../components/form.js';
import { confirmPage } from '../../pages/org-admin/confirm.js';
import { deleteWebhook, webhookPage, webhookSecretPage } from '../../pages/org-admin/webhook.js';
import { type NewWebhookValues, WEBHOOK_NOTICES, webhookPath, webhooksPage, webhooksPath } from '../../pages/org-admin/webhooks.js';
import { seeOther, sendPage } from '../../render.js';
import { field, fields } from '../form.js';
import type { WebKit } from '../kit.js';
import { isRefusal } from '../refusal.js';
import { pageAt } from '../paging.js';
import { cursorOf, type OrgCtx, noticeKey, orgAdmin, param, routeOpts, sentence } from './kit.js';

const PAGE_SIZE = 50;

/** `/orgs/{org}/webhooks…`: the same WebhookService use cases as /api/v1/orgs/{org}/webhooks…, with the delivery log. */
export function webhookRoutes(app: FastifyInstance, k: WebKit, webhooks: WebhookService): void {
  const secretAt = (org: string, id: string) => `${webhookPath(org, id)}/secret`;
  const list = async (reply: FastifyReply, c: OrgCtx, status: number, o: { values?: NewWebhookValues; errors?: FieldErrors; cursor?: string | null; notice?: keyof typeof WEBHOOK_NOTICES } = {}) => {
    const page = await pageAt(o.cursor ?? null, (cursor) => webhooks.list(c.a, { limit: PAGE_SIZE, cursor }));
    return sendPage(reply, status, webhooksPage(c, {
      org: c.org, webhooks: page.items, values: o.values ?? { url: '', description: '', events: [...WEBHOOK_EVENTS] }, errors: o.errors ?? {},
      nextCursor: page.nextCursor, paged: !!o.cursor, notice: o.notice,
    }));
  };

  app.get('/orgs/:org/webhooks', routeOpts, (req, reply) => orgAdmin(k, req, reply, (c) =>
    list(reply, c, 200, { cursor: cursorOf(req), notice: noticeKey(req, WEBHOOK_NOTICES) })));

  app.post('/orgs/:org/webhooks', routeOpts, (req, reply) => orgAdmin(k, req, reply, async (c) => {
    const values = { url: (field(req.body, 'url') ?? '').trim().slice(0, 2100), description: (field(req.body, 'description') ?? '').slice(0, 300), events: fields(req.body, 'event', 20) };
    try {
      const made = await webhooks.create(c.caller, c.a, { url: values.url, description: values.description, events: values.events });
      k.secrets.keepAt(reply, secretAt(c.org.name, made.webhook.id), { t: made.webhook.id, s: c.signed.session.id, secret: made.secret, kind: 'created' });
      return seeOther(reply, secretAt(c.org.name, made.webhook.id));
    } catch (e) {
      // A private or internal address is refused here, at field `url` (the SSRF rules of docs/security.md).
      if (!isRefusal(e)) throw e;
      const f = e.extras.field === 'url' || e.extras.field === 'description' || e.extras.field === 'events' ? e.extras.field : 'form';
      const msg = f === 'events' && /empty/.test(e.message) ? 'Choose at least one event.' : sentence(e.message.replace(/^url\b/, 'the URL').replace(/^description\b/, 'the description'));
      return list(reply, c, e.status, { values, errors: { [f]: msg } });
    }
  }, { back: webhooksPath(param(req, 'org')) }));

  app.get('/orgs/:org/webhooks/:id', routeOpts, (req, reply) => orgAdmin(k, req, reply, async (c) => {
    const webhook = await webhooks.one(c.a, param(req, 'id'));
    const cursor = cursorOf(req);
    const page = await pageAt(cursor, (x) => webhooks.deliveries(c.a, webhook.id, { limit: PAGE_SIZE, cursor: x }));
    return sendPage(reply, 200, webhookPage(c, { org: c.org, webhook, deliveries: page.items, nextCursor: page.nextCursor, paged: !!cursor }));
  }));

  app.get('/orgs/:org/webhooks/:id/secret', routeOpts, (req, reply) => orgAdmin(k, req, reply, async (c) => {
    const webhook = await webhooks.one(c.a, param(req, 'id'));
    const kept = k.secrets.takeAt(req, reply, secretAt(c.org.name, webhook.id), webhook.id, c.signed.session.id);
    return sendPage(reply, 200, webhookSecretPage(c, c.org, webhook, kept?.secret ?? null));
  }));

  app.get('/orgs/:org/webhooks/:id/delete', routeOpts, (req, reply) => orgAdmin(k, req, reply, async (c) => {
    const webhook = await webhooks.one(c.a, param(req, 'id'));
    return sendPage(reply, 200, confirmPage(c, c.org, {
      section: 'Webhooks', crumbs: [{ href: webhookPath(c.org.name, webhook.id), label: webhook.description ?? 'Webhook' }],
      title: 'Delete the webhook?', c: deleteWebhook(c.org.name, webhook),
    }));
  }));

  app.post('/orgs/:org/webhooks/:id/delete', routeOpts, (req, reply) => orgAdmin(k, req, reply, async (c) => {
    await webhooks.delete(c.caller, c.a, param(req, 'id'));
    return seeOther(reply, `${webhooksPath(c.org.name)}?done=deleted`);
  }, { back: webhooksPath(param(req, 'org')) }));
}
