import type { FastifyInstance } from 'fastify';
import type { WebKit } from './kit.js';
import { auditRoutes } from './org-admin/audit.js';
import { invitationRoutes } from './org-admin/invitations.js';
import { memberRoutes } from './org-admin/members.js';
import { policyRoutes } from './org-admin/policy.js';
import { serviceAccountTokenRoutes } from './org-admin/sa-tokens.js';
import { serviceAccountRoutes } from './org-admin/service-accounts.js';
import { orgTokenRoutes } from './org-admin/tokens.js';
import { webhookRoutes } from './org-admin/webhooks.js';

/**
 * The org admin pages (docs/web.md): members and roles, invitations, service accounts and their
 * tokens, the policy, the tokens usable in the org, the audit log with its CSV download, and
 * webhooks with their delivery log. For the org's owners and admins (and instance admins): a
 * member gets 403 and anyone else 404, as the API answers. Each area is mounted when the
 * composition root provides its service.
 */
export function orgAdminRoutes(app: FastifyInstance, k: WebKit): void {
  const d = k.deps;
  memberRoutes(app, k);
  policyRoutes(app, k);
  orgTokenRoutes(app, k);
  if (d.invitations) invitationRoutes(app, k, d.invitations);
  if (d.serviceAccounts) {
    serviceAccountRoutes(app, k, d.serviceAccounts);
    serviceAccountTokenRoutes(app, k, d.serviceAccounts);
  }
  const audit = k.audit ?? d.audit;
  if (audit) auditRoutes(app, k, audit);
  if (d.webhooks) webhookRoutes(app, k, d.webhooks);
}
