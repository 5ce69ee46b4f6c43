import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { User } from '../../src/core/model.js';
import { ScopeCatalog } from '../../src/core/scopes/catalog.js';
import type { TokenView } from '../../src/core/tokens/view.js';
import type { Viewer } from '../../src/web/context.js';
import { approvePage } from '../../src/web/pages/device.js';
import { errorPage, notFoundPage } from '../../src/web/pages/errors.js';
import { oidcErrorPage } from '../../src/web/pages/oidc.js';
import { signInPage } from '../../src/web/pages/sign-in.js';
import { regenerateConfirmPage, revokeConfirmPage, tokenPage } from '../../src/web/pages/token.js';
import { editTokenPage, newTokenPage } from '../../src/web/pages/token-form.js';
import { tokenSecretPage } from '../../src/web/pages/token-secret.js';
import { tokenListPage } from '../../src/web/pages/tokens-list.js';
import { renderPage } from '../../src/web/render.js';
import { scopeGroups } from '../../src/web/scope-groups.js';
import { limitsFor } from '../../src/core/policies/limits.js';
import { accountPage } from '../../src/web/pages/account.js';
import { securityLogPage } from '../../src/web/pages/security-log.js';
import { orgListPage } from '../../src/web/pages/orgs-list.js';
import { leaveConfirmPage, orgPage } from '../../src/web/pages/org.js';
import { disableConfirmPage, generatedPasswordPage, newUserPage, resetPasswordPage, userPage, usersPage } from '../../src/web/pages/admin/users.js';
import { allOrgsPage } from '../../src/web/pages/admin/orgs.js';
import { clientSecretPage, clientsPage, removeClientConfirmPage } from '../../src/web/pages/admin/clients.js';
import type { AuditEventView } from '../../src/core/audit/query.js';
import type { InvitationView } from '../../src/core/orgs/invitation-model.js';
import type { OrgView } from '../../src/core/orgs/service.js';

const NOW = Date.UTC(2026, 11, 1, 12);
const HOSTILE = ['<script>alert(1)</script>', '"><img src=x onerror=alert(1)>', "'><svg onload=alert(1)>"];

const user = (displayName: string, username = 'alice'): User => ({
  id: 'usr_1', username, email: 'a@x.test', displayName, disabled: false, isAdmin: false, serviceOrgId: null, passwordHash: null, createdAt: NOW,
});
const token = (name: string): TokenView => ({
  id: 'tok_1', name, scopes: ['code:read'], orgs: [name.slice(0, 30)], createdAt: new Date(NOW).toISOString(), expiresAt: new Date(NOW + 86_400_000).toISOString(),
  lastUsedAt: new Date(NOW).toISOString(), lastUsedIp: name.slice(0, 30), revokedAt: null, revokedReason: name, status: 'active', hint: 'patd_…abcd',
  createdVia: 'device', clientName: name, userId: 'usr_1',
});

/** The markup a hostile string would make if it were not escaped (a tag opening, or an attribute breaking out). */
function assertInert(html: string, s: string, where: string) {
  assert.ok(!html.includes(s), `${where}: the raw string is in the HTML`);
  assert.doesNotMatch(html, /<script>alert|<img src=x|<svg onload/i, `${where}: a hostile tag`);
  assert.doesNotMatch(html, /="[^"]*"><img/, `${where}: an attribute broke out`);
}

/** Every page function, rendered directly, with the hostile string wherever a person's text appears. */
function pagesWith(s: string): [string, string][] {
  const viewer: Viewer = { user: user(s), csrf: 'csrf' };
  const ctx = { viewer, now: NOW };
  const t = token(s);
  const catalog = new ScopeCatalog([{ id: 'custom:read', description: s, implies: [] }]);
  const orgs = [{ org: 'acme', displayName: s, maxLifetimeDays: 90, allowFullAccess: false, allowGlobalTokens: true }];
  const values = { name: s, orgMode: 'some' as const, orgs: ['acme'], expires: 'custom', expiresOn: s.slice(0, 10), access: 'custom' as const, scopes: [s] };
  const options = { orgs, limits: limitsFor(orgs, ['acme'], 365), instanceMaxDays: 365, presets: [7, 30, 90], groups: scopeGroups(catalog), now: NOW, keepExpiry: s };
  const form = { values, options, errors: { name: s, expires: s, scopes: s, orgs: s } };
  const usage = [{ day: '2026-12-01', count: 3, ips: [s] }];
  const iso = new Date(NOW).toISOString();
  const invitation: InvitationView = { id: 'inv_1', org: s.slice(0, 30), orgDisplayName: s, username: s, role: 'member', invitedBy: s, status: 'pending', createdAt: iso, expiresAt: iso };
  const event: AuditEventView = {
    id: 'evt_1', at: iso, action: s, actor: { type: 'user', id: s, name: s }, target: { type: 'token', id: s }, subjectUserId: 'usr_1', orgs: [s], ip: s, userAgent: s,
    details: { name: s, username: s, org: s, role: s, reason: s, changed: [s] },
  };
  const events = [event, { ...event, id: 'evt_2', action: 'org.invited' }, { ...event, id: 'evt_3', action: 'token.created' }, { ...event, id: 'evt_4', action: 'user.updated', actor: { type: 'token', id: s, name: s } }];
  const sessions = [
    { id: 'ses_1', current: true, createdAt: iso, lastSeenAt: iso, expiresAt: iso, ip: s, lastSeenIp: s, userAgent: s },
    { id: 'ses_2', current: false, createdAt: iso, lastSeenAt: iso, expiresAt: iso, ip: s, lastSeenIp: s, userAgent: `Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0 ${s}` },
  ];
  const org: OrgView = { id: 'org_1', name: s.slice(0, 30), displayName: s, role: 'owner', createdAt: iso };
  const members = [{ orgId: 'org_1', orgName: s, userId: 'usr_1', username: s, role: 'owner' as const, createdAt: NOW }];
  const other = { ...user(s, s), id: 'usr_2', email: s, isAdmin: true };
  const client = { id: 'cli_1', name: s, createdAt: NOW, createdBy: s };
  const errs = { username: s, email: s, displayName: s, password: s, currentPassword: s, confirm: s, name: s };
  return [
    ['account', renderPage(accountPage(ctx, { sessions, invitations: [invitation], recent: events, notice: 'profile', profile: { displayName: s, email: s, errors: errs }, password: { errors: errs } }))],
    ['security log', renderPage(securityLogPage(ctx, { events, paged: true, nextCursor: s }))],
    ['token list with invitations', renderPage(tokenListPage(ctx, { tokens: [t], status: 'active', search: '', paged: false, nextCursor: null, leadDays: 7, invitations: [invitation] }))],
    ['orgs', renderPage(orgListPage(ctx, { orgs: [org, { ...org, id: 'org_2', role: null }], invitations: [invitation], mayCreate: true, create: { name: s, displayName: s, errors: errs }, notice: s }))],
    ['orgs, no creating', renderPage(orgListPage(ctx, { orgs: [], invitations: [], mayCreate: false }))],
    ['org', renderPage(orgPage(ctx, { org, members, paged: true, nextCursor: s, notice: 'joined', leaveError: s }))],
    ['leave', renderPage(leaveConfirmPage(ctx, org))],
    ['admin users', renderPage(usersPage(ctx, { users: [other, { ...other, id: 'usr_3', disabled: true, serviceOrgId: 'org_1' }], paged: true, nextCursor: s }))],
    ['admin new user', renderPage(newUserPage(ctx, { username: s, email: s, displayName: s, mode: 'type', admin: true }, errs))],
    ['admin user', renderPage(userPage(ctx, other, { notice: 'created', error: s }))],
    ['admin disabled user', renderPage(userPage(ctx, { ...other, disabled: true }, {}))],
    ['admin disable', renderPage(disableConfirmPage(ctx, other))],
    ['admin reset password', renderPage(resetPasswordPage(ctx, other, { mode: 'type', error: s }))],
    ['admin generated password', renderPage(generatedPasswordPage(ctx, other, 'pw'))],
    ['admin orgs', renderPage(allOrgsPage(ctx, { orgs: [org], paged: true, nextCursor: s }))],
    ['admin clients', renderPage(clientsPage(ctx, { clients: [client], notice: s, add: { name: s, error: s } }))],
    ['admin client secret', renderPage(clientSecretPage(ctx, client, 'patdcs_x'))],
    ['admin remove client', renderPage(removeClientConfirmPage(ctx, client))],
    ['token list', renderPage(tokenListPage(ctx, { tokens: [t], status: 'all', search: s, paged: true, nextCursor: s, leadDays: 7, notice: s }))],
    ['token list, empty', renderPage(tokenListPage(ctx, { tokens: [], status: 'all', search: s, paged: false, nextCursor: null, leadDays: 7 }))],
    ['token page', renderPage(tokenPage(ctx, { token: t, usage, leadDays: 7, renewDays: [30], error: s }))],
    ['revoked token page', renderPage(tokenPage(ctx, { token: { ...t, status: 'revoked', revokedAt: t.createdAt }, usage, leadDays: 7, renewDays: [30] }))],
    ['new token', renderPage(newTokenPage(ctx, form))],
    ['edit token', renderPage(editTokenPage(ctx, t, form))],
    ['revoke', renderPage(revokeConfirmPage(ctx, t))],
    ['regenerate', renderPage(regenerateConfirmPage(ctx, t, s))],
    ['secret', renderPage(tokenSecretPage(ctx, t, { secret: 'patd_x', kind: 'created', snippets: [{ label: s, text: s, note: s }] }))],
    ['sign-in', renderPage(signInPage({ viewer: null, now: NOW }, { returnTo: s, loginCsrf: s, error: s, username: s, sso: true, title: s, intro: s }))],
    ['not found', renderPage(notFoundPage(ctx, s))],
    ['error', renderPage(errorPage(ctx, { title: s, message: s, back: { href: '/x', label: s } }))],
    ['oidc error', renderPage(oidcErrorPage(ctx, s, s))],
    ['device approval', renderPage(approvePage(ctx, { userCode: s, clientName: s, tokenName: s, scopes: [{ id: s, description: s }], orgs: [s], expiresInDays: 30, requestedAt: '', requestedFrom: { ip: s, userAgent: s }, expiresAt: '', status: 'pending' }))],
  ];
}

describe('the template layer escapes every name, display name and message', () => {
  for (const s of HOSTILE) {
    test(`rendered as text: ${s}`, () => {
      for (const [where, html] of pagesWith(s)) {
        assertInert(html, s, where);
        assert.ok(html.startsWith('<!doctype html>\n<html lang="en">'), where);
      }
    });
  }

  test('the escaped text reads back as typed', () => {
    const [, html] = pagesWith(HOSTILE[1] as string).find(([w]) => w === 'token page') as [string, string];
    assert.match(html, /<h1>&quot;>&lt;img src=x onerror=alert\(1\)><\/h1>/);
    assert.match(html, /title="&quot;>&lt;img src=x onerror=alert\(1\)>">alice<\/strong>/, 'the display name in an attribute');
  });

  test('the new pages show the hostile text (escaped) where a person reads it', () => {
    const escaped = '&quot;>&lt;img src=x onerror=alert(1)>';
    const pages = new Map(pagesWith(HOSTILE[1] as string));
    const html = (where: string) => pages.get(where) ?? assert.fail(where);
    assert.match(html('account'), new RegExp(`title="${escaped.replace(/[()]/g, '\\$&')}">${escaped.replace(/[()]/g, '\\$&')}</span>`), 'a session\'s user agent, as text and in its title');
    for (const where of ['account', 'security log', 'token list with invitations', 'orgs', 'org', 'leave', 'admin users', 'admin user', 'admin orgs', 'admin clients', 'admin remove client']) {
      assert.ok(html(where).includes(escaped), `${where}: the hostile name is shown as text`);
    }
  });

  test('no inline script or style: the CSP can forbid both', () => {
    for (const [where, html] of pagesWith('x')) {
      assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/, `${where}: an inline script`);
      assert.doesNotMatch(html, /<style|\sstyle=|\son[a-z]+=/i, `${where}: inline style or handler`);
    }
  });
});
