import type { AuditEventView } from '../core/audit/query.js';

/** Audit actions as a person reads them (the security log; the org audit pages may use it too). */
const LABELS: Record<string, string> = {
  'session.created': 'Signed in',
  'session.failed': 'Failed sign-in',
  'session.deleted': 'Signed out',
  'session.revoked': 'Session ended',
  'auth.failed': 'A token was refused',
  'user.created': 'Account created',
  'user.updated': 'Account changed',
  'user.disabled': 'Account disabled',
  'user.enabled': 'Account enabled',
  'user.password_reset': 'Password reset by an administrator',
  'token.created': 'Token created',
  'token.updated': 'Token changed',
  'token.regenerated': 'Token regenerated',
  'token.revoked': 'Token revoked',
  'token.expiring': 'Token expiry reminder sent',
  'token.expired_notice': 'Token expiry notice sent',
  'token.leaked': 'Token reported as leaked',
  'device.approved': 'Device sign-in approved',
  'device.denied': 'Device sign-in denied',
  'org.created': 'Organization created',
  'org.invited': 'Invited to an organization',
  'org.invitation_accepted': 'Invitation accepted',
  'org.invitation_declined': 'Invitation declined',
  'org.invitation_withdrawn': 'Invitation withdrawn',
  'org.member_added': 'Joined an organization',
  'org.member_updated': 'Role in an organization changed',
  'org.member_removed': 'Left or removed from an organization',
  'policy.updated': 'Organization policy changed',
  'service_account.created': 'Service account created',
  'service_account.deleted': 'Service account deleted',
  'client.created': 'Resource-server client added',
  'client.removed': 'Resource-server client removed',
  'repo.created': 'Repository created',
  'repo.deleted': 'Repository deleted',
  'webhook.created': 'Webhook added',
  'webhook.deleted': 'Webhook removed',
};

/** "Token created"; an action without a label reads as its name ("org.something" → "Org something"). */
export function actionLabel(action: string): string {
  const known = LABELS[action];
  if (known) return known;
  const words = action.replace(/[._]/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** What the event was about, in a few words: a token's or client's name, a username, an org. */
export function eventSubject(e: AuditEventView): string | null {
  const d = e.details;
  const str = (k: string) => (typeof d[k] === 'string' && d[k] !== '' ? (d[k] as string) : null);
  if (e.action === 'session.failed') return str('reason') === 'disabled' ? 'the account is disabled' : 'wrong password';
  if (e.action === 'user.updated' && Array.isArray(d.changed)) return `changed: ${(d.changed as unknown[]).filter((x) => typeof x === 'string').join(', ')}`;
  if (e.action === 'session.revoked' && d.others === true) return 'signed out everywhere else';
  if (e.action.startsWith('org.')) {
    const org = str('org') ?? e.orgs[0] ?? null;
    const role = str('role');
    return org && role ? `${org} (${role})` : org;
  }
  return str('name') ?? str('username');
}

/** Who did it, as a person reads it. */
export function actorText(e: AuditEventView): string {
  if (e.actor.type === 'system') return 'patd';
  if (e.actor.type === 'anonymous') return 'someone not signed in';
  const name = e.actor.name ?? e.actor.id ?? e.actor.type;
  return e.actor.type === 'token' ? `${name} (with a token)` : name;
}
