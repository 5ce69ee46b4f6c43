import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { buildApp } from './adapters/http/app.js';
import { PatdMetrics } from './adapters/metrics/patd-metrics.js';
import type { AppDeps, HttpExtension } from './adapters/http/deps.js';
import { deviceRoutes } from './adapters/http/routes/device.js';
import { gitRoutes } from './adapters/http/routes/git.js';
import { repoRoutes } from './adapters/http/routes/repos.js';
import { DiskRepoStorage } from './adapters/git/storage.js';
import { DEFAULT_DEVICE_SETTINGS, type DeviceSettings, DeviceService } from './core/device/service.js';
import { RepoService } from './core/repos/service.js';
import { makeLogger } from './adapters/logger.js';
import { keepNextTickShape } from './adapters/next-tick-shape.js';
import { invalidationFeed } from './adapters/invalidations/index.js';
import type { Config } from './config.js';
import { buildCore, type CoreOverrides, openStore } from './core-builder.js';
import { AccountService } from './core/accounts/service.js';
import type { CoreDeps } from './core/deps.js';
import { OrgService } from './core/orgs/service.js';
import type { Store } from './core/ports.js';
import { TokenService } from './core/tokens/service.js';
import { intervalWorker, type Worker } from './core/worker.js';
// Notifications, webhooks, leak reports, audit API (docs/notifications.md).
import { createMailer } from './adapters/mail/mailer.js';
import { auditRoutes } from './adapters/http/routes/audit.js';
import { notificationRoutes } from './adapters/http/routes/notifications.js';
import { webhookPoster } from './adapters/webhooks/post.js';
import { type Resolver, webhookUrlCheck } from './adapters/webhooks/addresses.js';
import { tightenDataDir } from './adapters/files.js';
import { FailureGate } from './core/limits/gate.js';
import { Limiter } from './core/limits/limiter.js';
import { type NotificationOptions, Notifications } from './core/notifications/index.js';
import type { Mailer, WebhookPoster } from './core/notifications/model.js';
import { forwardAuthRoutes } from './adapters/http/routes/forward-auth.js';
import { oauthResourceRoutes } from './adapters/http/routes/oauth.js';
import { ResourceServerService } from './core/clients/introspection.js';
import { ClientService } from './core/clients/service.js';
import { openidClient } from './adapters/oidc/client.js';
import { oidcRoutes } from './adapters/http/routes/oidc.js';
import { ExternalSignIn } from './core/accounts/oidc.js';
import { htmlPages, webPages } from './web/routes/index.js';
import { ServiceAccountService } from './core/orgs/service-accounts.js';
import { serviceAccountRoutes } from './adapters/http/routes/service-accounts.js';
import { invitationRoutes } from './adapters/http/routes/invitations.js';
import { meSessionRoutes } from './adapters/http/routes/me-sessions.js';
import { InvitationService } from './core/orgs/invitations.js';
import { SessionService } from './core/accounts/sessions.js';
import { InstanceAdmin } from './core/accounts/admin.js';

export type { Worker };

export interface Overrides extends CoreOverrides {
  logger?: Logger;
  /** Notification timings and transports (tests: short backoff, a failing poster, …). */
  notifications?: Partial<Omit<NotificationOptions, 'publicUrl' | 'instanceSecret'>> & { mailer?: Mailer; poster?: WebhookPoster; mailTimeoutMs?: number };
  /** Device sign-in timings (tests poll faster). */
  device?: Partial<DeviceSettings>;
  /** How webhook hosts are resolved (default dns.lookup; tests without a DNS server inject one). */
  webhookResolver?: Resolver;
  /** Sees every HTTP route as it is added (the route security suite discovers the routes with it). */
  onRoute?: AppDeps['onRoute'];
}

export interface Patd {
  config: Readonly<Config>;
  store: Store;
  core: CoreDeps;
  accounts: AccountService;
  orgs: OrgService;
  tokens: TokenService;
  invitations: InvitationService;
  sessions: SessionService;
  /** Resource servers allowed to introspect and revoke (docs/introspection.md). */
  clients: ClientService;
  logger: Logger;
  app: FastifyInstance;
  workers: Worker[];
  /** Outbox worker, expiry scan, webhooks, leak reports, audit readers. */
  notifications: Notifications;
  /** Starts the workers (the invalidation feed runs already) and listens; returns the base URL. */
  listen(): Promise<string>;
  close(): Promise<void>;
}

/** The composition root: config in, a ready service out. Nothing else wires adapters together. */
export async function createPatd(config: Readonly<Config>, o: Overrides = {}): Promise<Patd> {
  // A V8 shape that idle garbage collections would otherwise keep rebuilding (next-tick-shape.ts).
  keepNextTickShape();
  const logger = o.logger ?? makeLogger(config.logLevel, undefined, config.logFormat);
  // Installs made before patd kept its files private are fixed before anything is opened.
  tightenDataDir(config.dataDir, config.databaseUrl.startsWith('sqlite:') ? config.databaseUrl.slice('sqlite:'.length) : null, (obj, msg) => logger.warn(obj, msg));
  const store = await openStore(config, { log: logger });
  await store.migrate();
  const core = buildCore(config, store, o);
  const accounts = new AccountService(core);
  const orgs = new OrgService(core);
  const tokens = new TokenService(core);
  const serviceAccounts = new ServiceAccountService(core, tokens);
  const extensions: HttpExtension[] = [serviceAccountRoutes(serviceAccounts)];
  const hotExtensions: HttpExtension[] = [];
  // Failed token checks per client IP: counted in the database, refused from memory (docs/security.md).
  const tokenGate = new FailureGate(
    new Limiter(store, core.clock, 'token-failures', core.settings.limits.tokenFailures, 'too many failed token checks from your address'), core.clock, logger,
  );
  // Git host and device sign-in (docs/git.md).
  const gitDisk = new DiskRepoStorage(config.dataDir);
  const repos = new RepoService(core, gitDisk, config.publicUrl);
  extensions.push(repoRoutes(repos), gitRoutes(repos, gitDisk.root), deviceRoutes(new DeviceService(core, tokens, { ...DEFAULT_DEVICE_SETTINGS, ...o.device })));
  // Accepting tokens in other services: forward-auth, RFC 7662/7009 (docs/forward-auth.md, docs/introspection.md).
  const clients = new ClientService(core, config.authCacheSeconds * 1000);
  hotExtensions.push(forwardAuthRoutes, oauthResourceRoutes(clients, new ResourceServerService(core, config.publicUrl)));
  const workers: Worker[] = [
    intervalWorker('usage-flush', 5_000, () => core.verifier.flushUsage(), logger),
    intervalWorker('rate-limit-purge', 10 * 60_000, () => store.r.rateLimits.purge(core.clock.now()), logger),
  ];
  // Other instances' (and the CLI's) changes reach this verifier within a second (docs/instances.md).
  // It runs from here on, not from listen(): the verifier answers as soon as the app exists.
  const feed = invalidationFeed(store.db, core.verifier, logger);
  feed.start();
  workers.push(feed);
  const no = o.notifications ?? {};
  const mailer = no.mailer ?? createMailer({ smtpUrl: config.smtpUrl, from: config.mailFrom, dir: config.dataDir, timeoutMs: no.mailTimeoutMs, log: logger });
  // Webhooks reach only public addresses unless PATD_WEBHOOK_ALLOW_PRIVATE: checked at registration and at every connect.
  const addressRules = { allowPrivate: config.webhookAllowPrivate, resolver: o.webhookResolver };
  const notifications = new Notifications(core, mailer, no.poster ?? webhookPoster(addressRules), logger, {
    leads: config.expiryWarningDays, webhookUrlCheck: webhookUrlCheck(addressRules), ...no, publicUrl: config.publicUrl, instanceSecret: config.secret,
  });
  workers.push(...notifications.tasks);
  extensions.push(notificationRoutes(notifications), auditRoutes(notifications.audit));
  // Membership by consent and the caller's sessions (docs/orgs.md, docs/api.md).
  const invitations = new InvitationService(core);
  const sessions = new SessionService(core);
  extensions.push(invitationRoutes(invitations), meSessionRoutes(sessions));
  // The web app: sign-in, personal access tokens (src/web, docs/web.md).
  extensions.push(webPages({ instanceSecret: config.secret, audit: notifications.audit }));
  // OpenID Connect sign-in for the pages, only when configured (docs/oidc.md).
  if (config.oidc) {
    const rp = openidClient({ ...config.oidc, redirectUri: `${config.publicUrl}/signin/oidc/callback`, log: logger });
    extensions.push(oidcRoutes(rp, new ExternalSignIn(core), config.secret));
  }
  if (!config.smtpUrl) logger.info({ dir: `${config.dataDir}/mail` }, 'PATD_SMTP_URL is not set: notification mail is written as .eml files');

  const metrics = new PatdMetrics({
    verifier: core.verifier, pool: store.db.pool,
    outbox: { worker: notifications.outbox, backlog: () => store.r.outbox.backlog(), now: () => core.clock.now() },
  });
  const app = await buildApp({
    metrics, core, accounts, orgs, tokens, invitations, sessions, serviceAccounts, audit: notifications.audit, webhooks: notifications.webhooks, logger,
    admin: new InstanceAdmin(core, accounts, clients),
    http: { publicUrl: config.publicUrl, trustProxy: config.trustProxy, expiryWarningDays: config.expiryWarningDays, ssoSignIn: !!config.oidc, metricsToken: config.metricsToken },
    ready: async () => {
      await store.r.users.count();
    },
    extensions,
    hotExtensions,
    htmlPages,
    tokenGate,
    onRoute: o.onRoute,
  });

  let closed = false;
  return {
    config, store, core, accounts, orgs, tokens, invitations, sessions, clients, logger, app, workers, notifications,
    async listen() {
      for (const w of workers) w.start();
      return app.listen({ host: config.host, port: config.port });
    },
    async close() {
      if (closed) return;
      closed = true;
      await app.close();
      for (const w of workers) await w.stop();
      await core.verifier.flushUsage().catch(() => {});
      await store.close();
    },
  };
}
