import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Membership, User } from '../../src/core/model.js';
import type { AuditEventView } from '../../src/core/audit/query.js';
import { limitsFor } from '../../src/core/policies/limits.js';
import { ScopeCatalog } from '../../src/core/scopes/catalog.js';
import type { TokenView } from '../../src/core/tokens/view.js';
import type { Viewer } from '../../src/web/context.js';
import { auditPage } from '../../src/web/pages/org-admin/audit.js';
import { confirmPage } from '../../src/web/pages/org-admin/confirm.js';
import { invitationsPage } from '../../src/web/pages/org-admin/invitations.js';
import { membersPage, removeConfirmation } from '../../src/web/pages/org-admin/members.js';
import { policyPage } from '../../src/web/pages/org-admin/policy.js';
import { saNewTokenPage, saRegeneratePage, saTokenSecretPage } from '../../src/web/pages/org-admin/sa-tokens.js';
import { deleteServiceAccount, revokeSaToken, serviceAccountPage } from '../../src/web/pages/org-admin/service-account.js';
import { serviceAccountsPage } from '../../src/web/pages/org-admin/service-accounts.js';
import { orgTokensPage, revokeOrgToken } from '../../src/web/pages/org-admin/tokens.js';
import { deleteWebhook, webhookPage, webhookSecretPage } from '../../src/web/pages/org-admin/webhook.js';
import { webhooksPage } from '../../src/web/pages/org-admin/webhooks.js';
import { renderPage } from '../../src/web/render.js';
import { scopeGroups } from '../../src/web/scope-groups.js';

const NOW = Date.UTC(2026, 11, 1, 12);
const ISO = new Date(NOW).toISOString();
const HOSTILE = ['<script>alert(1)</script>', '"><img src=x onerror=alert(1)>', "'><svg onload=alert(1)>"];

function assertInert(html: string, s: string, where: string) {
  assert.ok(!html.includes(s), `${where}: the raw string is in the HTML`);
  assert.doesNotMatch(html, /<script>alert|<img src=x|<svg onload/i, `${where}: a hostile tag`);
  assert.doesNotMatch(html, /="[^"]*"><img/, `${where}: an attribute broke out`);
}

/** Every org admin page function with the hostile string wherever a name, description, URL or message appears. */
function pagesWith(s: string): [string, string][] {
  const user: User = { id: 'usr_1', username: 'olivia', email: 'o@x.test', displayName: s, disabled: false, isAdmin: false, serviceOrgId: null, passwordHash: null, createdAt: NOW };
  const ctx = { viewer: { user, csrf: 'csrf' } as Viewer, now: NOW };
  const org = { id: 'org_1', name: 'acme', displayName: s, role: 'owner' as const, createdAt: ISO };
  const t: TokenView = {
    id: 'tok_1', name: s, scopes: ['code:read'], orgs: [s], createdAt: ISO, expiresAt: ISO, lastUsedAt: ISO, lastUsedIp: s, revokedAt: null,
    revokedReason: s, status: 'active', hint: s, createdVia: 'web', clientName: s, userId: 'usr_2',
  };
  const sa = { id: 'usr_3', username: s, displayName: s, org: s, disabled: false, createdAt: ISO };
  const member: Membership = { orgId: 'org_1', orgName: 'acme', userId: 'usr_2', username: s, role: 'admin', createdAt: NOW };
  const invitation = { id: 'inv_1', org: 'acme', orgDisplayName: s, username: s, role: 'member' as const, invitedBy: s, status: 'pending' as const, createdAt: ISO, expiresAt: ISO };
  const hook = { id: 'whk_1', url: `https://u:${encodeURIComponent(s)}@hooks.example.com/${encodeURIComponent(s)}`, events: [s], description: s, org: 'acme', createdAt: ISO };
  const delivery = { id: 'msg_1', webhookId: 'whk_1', messageId: s, eventType: s, attempt: 1, at: NOW, statusCode: 500, ok: false, error: s, durationMs: 3 };
  const event: AuditEventView = {
    id: 'evt_1', at: ISO, action: s, actor: { type: 'user', id: s, name: s }, target: { type: s, id: s }, subjectUserId: s, orgs: [s], ip: s, userAgent: s,
    details: { name: s, list: [s, s], nested: { s }, a: s, b: s, c: s, d: s, e: s },
  };
  const limits = [{ org: 'acme', displayName: s, maxLifetimeDays: 90, allowFullAccess: false, allowGlobalTokens: true }];
  const values = { name: s, orgMode: 'some' as const, orgs: ['acme'], expires: 'custom', expiresOn: s.slice(0, 10), access: 'custom' as const, scopes: [s] };
  const options = {
    orgs: limits, limits: limitsFor(limits, ['acme'], 365), instanceMaxDays: 365, presets: [7, 30, 90],
    groups: scopeGroups(new ScopeCatalog([{ id: 'custom:read', description: s, implies: [] }])), now: NOW, fixedOrg: limits[0],
  };
  const errors = { name: s, expires: s, scopes: s, orgs: s, username: s, role: s, form: s, url: s, description: s, events: s };
  const policy = { maxLifetimeDays: s, allowGlobalTokens: true, allowFullAccess: false, ipAllowlist: s, revokeUnusedDays: s, autoRevokeLeaked: true };
  const section = { section: 'Members', crumbs: [{ href: '/x', label: s }], title: s };
  return [
    ['members', renderPage(membersPage(ctx, { org, members: [member], serviceAccounts: new Set([s]), actsAsOwner: false, nextCursor: s, paged: true, notice: 'role', errors: { [s]: s }, asked: { username: s, role: 'owner' } }))],
    ['members (owner)', renderPage(membersPage(ctx, { org, members: [{ ...member, username: 'mia' }], serviceAccounts: new Set(), actsAsOwner: true, nextCursor: null, paged: false, errors: { mia: s } }))],
    ['remove member', renderPage(confirmPage(ctx, org, { ...section, c: removeConfirmation('acme', s) }))],
    ['invitations', renderPage(invitationsPage(ctx, { org, pending: [invitation], actsAsOwner: true, values: { username: s, role: s }, errors, nextCursor: s, paged: true, notice: 'invited' }))],
    ['service accounts', renderPage(serviceAccountsPage(ctx, { org, accounts: [sa], values: { username: s, displayName: s }, errors, notice: 'deleted' }))],
    ['service account', renderPage(serviceAccountPage(ctx, { org, account: sa, tokens: [t, { ...t, status: 'revoked', revokedAt: ISO }], leadDays: 7, nextCursor: s, paged: true, notice: 'created', error: s }))],
    ['sa new token', renderPage(saNewTokenPage(ctx, org, sa, { values, options, errors }))],
    ['sa secret', renderPage(saTokenSecretPage(ctx, org, sa, t, { secret: 'patd_x', kind: 'regenerated', snippets: [{ label: s, text: s, note: s }] }))],
    ['sa secret gone', renderPage(saTokenSecretPage(ctx, org, sa, t, { secret: null, kind: 'created', snippets: [] }))],
    ['sa regenerate', renderPage(saRegeneratePage(ctx, org, sa, t, s))],
    ['sa revoke', renderPage(confirmPage(ctx, org, { ...section, c: revokeSaToken('acme', sa, t) }))],
    ['sa delete', renderPage(confirmPage(ctx, org, { ...section, c: deleteServiceAccount('acme', sa) }))],
    ['policy', renderPage(policyPage(ctx, { org, values: policy, errors: { maxLifetimeDays: s, ipAllowlist: s, revokeUnusedDays: s, form: s }, instanceMaxDays: 365, saved: true }))],
    ['org tokens', renderPage(orgTokensPage(ctx, { org, tokens: [t], owners: new Map([['usr_2', { username: s, serviceAccount: true }]]), status: 'all', user: s, userError: s, nextCursor: s, paged: true, leadDays: 7, revoked: true }))],
    ['org tokens, none', renderPage(orgTokensPage(ctx, { org, tokens: [], owners: new Map(), status: 'active', user: s, nextCursor: null, paged: false, leadDays: 7 }))],
    ['org token revoke', renderPage(confirmPage(ctx, org, { ...section, c: revokeOrgToken('acme', t, { username: s, serviceAccount: false }) }))],
    ['audit', renderPage(auditPage(ctx, { org, events: [event], filters: { action: s, actor: s, since: s, until: s }, errors: { action: s, actor: s, since: s, until: s }, nextCursor: s, paged: true }))],
    ['webhooks', renderPage(webhooksPage(ctx, { org, webhooks: [hook, { ...hook, description: null }], values: { url: s, description: s, events: [s] }, errors, nextCursor: s, paged: true, notice: 'deleted' }))],
    ['webhook', renderPage(webhookPage(ctx, { org, webhook: hook, deliveries: [delivery], nextCursor: s, paged: true }))],
    ['webhook delete', renderPage(confirmPage(ctx, org, { ...section, c: deleteWebhook('acme', hook) }))],
    ['webhook secret', renderPage(webhookSecretPage(ctx, org, hook, 'whsec_x'))],
    ['webhook secret gone', renderPage(webhookSecretPage(ctx, org, hook, null))],
  ];
}

describe('the org admin pages escape every name, description, URL and message', () => {
  for (const s of HOSTILE) {
    test(`rendered as text: ${s}`, () => {
      for (const [where, html] of pagesWith(s)) {
        assertInert(html, s, where);
        assert.ok(html.startsWith('<!doctype html>\n<html lang="en">'), where);
      }
    });
  }

  test('each page shows the name (escaped), so the checks above are not empty', () => {
    for (const [where, html] of pagesWith(HOSTILE[0] as string)) assert.ok(html.includes('&lt;script>alert(1)&lt;/script>'), where);
  });

  test('the escaped text reads back as typed', () => {
    const [, html] = pagesWith(HOSTILE[1] as string).find(([w]) => w === 'service account') as [string, string];
    assert.match(html, /<dt>Display name<\/dt><dd>&quot;>&lt;img src=x onerror=alert\(1\)><\/dd>/);
  });

  test('no inline script or style: the CSP can forbid both', () => {
    for (const [where, html] of pagesWith('x')) {
      assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/, `${where}: an inline script`);
      assert.doesNotMatch(html, /<style|\sstyle=|\son[a-z]+=/i, `${where}: inline style or handler`);
    }
  });

  test('a password in a webhook URL is not shown', () => {
    const [, html] = pagesWith('x').find(([w]) => w === 'webhook') as [string, string];
    assert.ok(!html.includes('u:x@'), 'the password');
    assert.match(html, /https:\/\/u:\*\*\*\*@hooks\.example\.com\/x/);
  });
});
