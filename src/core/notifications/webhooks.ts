import type { CoreDeps } from '../deps.js';
import { PatdError } from '../errors.js';
import { newId } from '../ids.js';
import type { Caller, Page, PageQuery } from '../model.js';
import { contextOf } from '../model.js';
import { type OrgAccess, requireRole } from '../orgs/access.js';
import { checkName } from '../validate.js';
import { DeliveryRefused, type Log, WEBHOOK_EVENTS, type WebhookPoster, type WebhookUrlCheck } from './model.js';
import { PermanentFailure } from './outbox.js';
import type { OutboxRow, Webhook, WebhookDelivery } from './ports.js';
import { type SecretBox, newWebhookSecret, signWebhook } from './signing.js';
import type { WebhookPayload } from './sink.js';

export interface WebhookView {
  id: string;
  url: string;
  events: string[];
  description: string | null;
  org: string | null;
  createdAt: string;
}

export interface NewWebhook {
  url: string;
  events?: string[];
  description?: string;
}

/** Webhooks per org, and for the instance (GitHub's limit per repository and event). */
export const MAX_WEBHOOKS = 20;

/**
 * Whose webhooks: the instance's (null; the API route admits instance admins only) or an org's,
 * as an OrgAccess that each use case checks for the admin role itself.
 */
export type WebhookScope = OrgAccess | null;

const orgOf = (s: WebhookScope, caller?: Caller) => {
  if (s) requireRole(s, caller ?? s.caller, 'admin');
  return s ? { id: s.org.id, name: s.org.name } : null;
};

/** Webhook endpoints of the instance (org null) or of an org; their deliveries go through the outbox. */
export class WebhookService {
  constructor(
    private readonly d: CoreDeps,
    private readonly box: SecretBox,
    private readonly post: WebhookPoster,
    private readonly urlAllowed: WebhookUrlCheck,
    private readonly timeoutMs: number,
    private readonly log: Log,
  ) {}

  /** Registers an endpoint; the signing secret is in this answer only. */
  async create(caller: Caller, scope: WebhookScope, input: NewWebhook): Promise<{ webhook: WebhookView; secret: string }> {
    const org = orgOf(scope, caller);
    const url = checkUrl(input.url);
    const description = input.description === undefined || input.description.trim() === '' ? null : checkName('description', input.description, 200);
    const events = input.events === undefined ? [...WEBHOOK_EVENTS] : [...new Set(input.events)];
    if (events.length === 0) throw new PatdError('validation_failed', 'events must not be empty', { field: 'events' });
    for (const e of events) {
      if (!(WEBHOOK_EVENTS as readonly string[]).includes(e)) {
        throw new PatdError('validation_failed', `unknown event "${String(e).slice(0, 40)}"; one of ${WEBHOOK_EVENTS.join(', ')}`, { field: 'events' });
      }
    }
    // Last of the checks: it may resolve the host name.
    if (!(await this.urlAllowed(new URL(url)))) {
      throw new PatdError('validation_failed', 'url must not point to a loopback, private, link-local or otherwise internal address', { field: 'url' });
    }
    const secret = newWebhookSecret();
    const now = this.d.clock.now();
    const w: Webhook = {
      id: newId('whk'), orgId: org?.id ?? null, url, events, description,
      sealedSecret: this.box.seal(secret), createdBy: caller.user.id, createdAt: now,
    };
    await this.d.store.tx(async (r) => {
      // Every event goes to each endpoint: without a bound, one org admin turns patd into an
      // amplifier against any public host, and floods the outbox everyone's mail goes through.
      if ((await r.webhooks.list(w.orgId, { limit: MAX_WEBHOOKS, cursor: null })).items.length >= MAX_WEBHOOKS) {
        throw new PatdError('conflict', `${org ? `org "${org.name}"` : 'the instance'} has ${MAX_WEBHOOKS} webhooks, the most it may have; delete one first`, { field: 'url' });
      }
      await r.webhooks.insert(w);
      await this.d.events.record(r, contextOf(caller), now, {
        action: 'webhook.created', targetType: 'webhook', targetId: w.id, orgIds: org ? [org.id] : [], details: { url: redactUrl(url), events },
      });
    });
    return { webhook: view(w, org?.name ?? null), secret };
  }

  async list(scope: WebhookScope, q: PageQuery): Promise<Page<WebhookView>> {
    const org = orgOf(scope);
    const page = await this.d.store.r.webhooks.list(org?.id ?? null, q);
    return { items: page.items.map((w) => view(w, org?.name ?? null)), nextCursor: page.nextCursor };
  }

  /** One webhook (never its secret). */
  async one(scope: WebhookScope, id: string): Promise<WebhookView> {
    return view(await this.get(scope, id), scope?.org.name ?? null);
  }

  /** A webhook of another scope is not found (tenant boundary). */
  private async get(scope: WebhookScope, id: string): Promise<Webhook> {
    const org = orgOf(scope);
    const w = /^whk_[0-9A-Za-z]{1,40}$/.test(id) ? await this.d.store.r.webhooks.byId(id) : null;
    if (!w || w.orgId !== (org?.id ?? null)) throw new PatdError('not_found', 'no such webhook');
    return w;
  }

  async delete(caller: Caller, scope: WebhookScope, id: string): Promise<void> {
    orgOf(scope, caller);
    const w = await this.get(scope, id);
    await this.d.store.tx(async (r) => {
      await r.webhooks.delete(w.id);
      await this.d.events.record(r, contextOf(caller), this.d.clock.now(), {
        action: 'webhook.deleted', targetType: 'webhook', targetId: w.id, orgIds: w.orgId ? [w.orgId] : [], details: { url: redactUrl(w.url) },
      });
    });
  }

  async deliveries(scope: WebhookScope, id: string, q: PageQuery): Promise<Page<WebhookDelivery>> {
    await this.get(scope, id);
    return this.d.store.r.webhooks.deliveries(id, q);
  }

  /** The outbox handler of kind `webhook`: signs and POSTs, logs the attempt, throws to retry. */
  readonly deliver = async (m: OutboxRow, signal?: AbortSignal): Promise<void> => {
    const p = m.payload as unknown as WebhookPayload;
    const w = await this.d.store.r.webhooks.byId(p.webhookId);
    if (!w) throw new PermanentFailure('the webhook was deleted');
    const ts = Math.floor(this.d.clock.now() / 1000);
    const headers = {
      'content-type': 'application/json', 'user-agent': 'patd-webhooks/1', 'webhook-id': m.id, 'webhook-timestamp': String(ts),
      'webhook-signature': signWebhook(this.box.open(w.sealedSecret), m.id, ts, p.body),
    };
    const started = Date.now();
    let status: number | null = null;
    let error: string | null = null;
    try {
      status = await this.post(w.url, headers, p.body, this.timeoutMs, signal);
      if (status < 200 || status > 299) error = `HTTP ${status}`;
    } catch (e) {
      error = (e as Error).message || String(e);
      // The operator may want to know (a host that moved into a private range); the log is theirs.
      if (e instanceof DeliveryRefused) this.log.warn({ webhookId: w.id, host: new URL(w.url).host }, 'webhook delivery refused: the host resolves to an address webhooks may not reach');
    }
    await this.d.store.tx((r) => r.webhooks.addDelivery({
      id: newId('msg'), webhookId: w.id, messageId: m.id, eventType: p.type, attempt: m.attempts, at: this.d.clock.now(),
      statusCode: status, ok: error === null, error, durationMs: Date.now() - started,
    })).catch((err) => this.log.error({ err }, 'could not log a webhook delivery'));
    if (error !== null) throw new Error(`webhook ${w.id}: ${error}`);
  };
}

function checkUrl(raw: unknown): string {
  let u: URL;
  try {
    if (typeof raw !== 'string' || raw.length > 2000) throw new Error();
    u = new URL(raw);
  } catch {
    throw new PatdError('validation_failed', 'url must be an absolute http(s) URL', { field: 'url' });
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new PatdError('validation_failed', 'url must use http or https', { field: 'url' });
  return u.toString();
}

/** URLs may carry credentials; the audit log keeps them out. */
function redactUrl(url: string): string {
  const u = new URL(url);
  u.username = '';
  u.password = '';
  return u.toString();
}

function view(w: Webhook, org: string | null): WebhookView {
  return { id: w.id, url: w.url, events: w.events, description: w.description, org, createdAt: new Date(w.createdAt).toISOString() };
}
