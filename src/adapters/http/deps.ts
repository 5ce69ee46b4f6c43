import type { PatdMetrics } from '../metrics/patd-metrics.js';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import type { Logger } from 'pino';
import type { AccountService } from '../../core/accounts/service.js';
import type { SessionService } from '../../core/accounts/sessions.js';
import type { InstanceAdmin } from '../../core/accounts/admin.js';
import type { InvitationService } from '../../core/orgs/invitations.js';
import type { ServiceAccountService } from '../../core/orgs/service-accounts.js';
import type { AuditService } from '../../core/audit/query.js';
import type { WebhookService } from '../../core/notifications/webhooks.js';
import type { CoreDeps } from '../../core/deps.js';
import type { FailureGate } from '../../core/limits/gate.js';
import type { Caller, Session } from '../../core/model.js';
import type { OrgService } from '../../core/orgs/service.js';
import type { TokenService } from '../../core/tokens/service.js';
import type { TokenPrincipal } from '../../core/tokens/verify.js';
import type { HotAnswer, HotRequest } from './hot-path.js';
import type { OpenApiDoc } from './openapi.js';

export interface HttpSettings {
  publicUrl: string;
  /** Trust X-Forwarded-* from these proxies (Fastify's trustProxy). */
  trustProxy: boolean | string;
  /** PATD_EXPIRY_WARNING_DAYS: reminders in the expiry calendar match the mails. */
  expiryWarningDays?: readonly number[];
  /** OpenID Connect sign-in is mounted (PATD_OIDC_*): the sign-in pages offer "Sign in with SSO". */
  ssoSignIn?: boolean;
  /** PATD_METRICS_TOKEN: /metrics answers only with this bearer token (null: open, as Prometheus usually scrapes). */
  metricsToken?: string | null;
}

/** A feature that mounts its own routes (git host, OAuth endpoints, …). */
export type HttpExtension = (app: FastifyInstance, deps: AppDeps) => Promise<void> | void;

export interface AppDeps {
  /** Prometheus metrics (one registry per app); buildApp makes its own when absent. */
  metrics?: PatdMetrics;
  core: CoreDeps;
  accounts: AccountService;
  orgs: OrgService;
  tokens: TokenService;
  /** Membership by consent (the API and the pages that show pending invitations). */
  invitations?: InvitationService;
  /** The caller's own sessions (/me/sessions and the account page). */
  sessions?: SessionService;
  /** An org's service accounts and their tokens (the API and the org admin pages). */
  serviceAccounts?: ServiceAccountService;
  /** The audit trail's reader (the org admin pages' audit log and CSV download). */
  audit?: AuditService;
  /** Org and instance webhooks with their delivery log (the org admin pages). */
  webhooks?: WebhookService;
  /** Instance-admin use cases (users, every org, resource-server clients): /api/v1/users and the /admin pages. */
  admin?: InstanceAdmin;
  logger: Logger;
  http: HttpSettings;
  /** Checks the database answers (for /readyz). */
  ready: () => Promise<void>;
  extensions?: HttpExtension[];
  /** Features on the hot path of other services (forward-auth, introspection): mounted outside the API's cookie and auth hooks. */
  hotExtensions?: HttpExtension[];
  /** The web app's HTML 404 for browsers asking for a page that does not exist (src/web). */
  htmlPages?: { wants(req: FastifyRequest): boolean; notFound(deps: AppDeps, req: FastifyRequest, reply: FastifyReply): Promise<unknown> };
  /** Failed token checks per client IP (forward-auth, git host, OAuth client authentication): PATD_LIMIT_TOKEN_FAILURES. */
  tokenGate?: FailureGate;
  /** Sees every route as it is added (the route security suite reads the route table through it). */
  onRoute?: (route: RouteOptions) => void;
}

/** How a route authenticates; every /api route declares one (a test checks). */
export type AuthRule =
  | 'none'
  | { scope?: string; sessionOnly?: boolean; patOnly?: boolean; admin?: boolean };

declare module 'fastify' {
  interface FastifyRequest {
    caller: Caller | null;
    session: Session | null;
  }
  interface FastifyContextConfig {
    auth?: AuthRule;
    /** What the OpenAPI document adds for this route (openapi.ts); read when the document is built. */
    openapi?: OpenApiDoc;
    /**
     * The route's answer on the hot path (hot-path.ts) for a GET to its exact URL: given the
     * principal its AuthRule admits from the verifier's cache (undefined for `auth: 'none'`),
     * exactly what its handler would send, or undefined to let the handler answer.
     */
    hot?: (req: HotRequest, principal: TokenPrincipal | undefined) => HotAnswer | undefined;
  }
}
