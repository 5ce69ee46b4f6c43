import { renderInvitationMail } from './invitation-mail.js';
import type { InvitationMailPayload, MailMessage, MailPayload } from './model.js';

/** Renders a queued mail. Pure: the same payload gives the same message on every instance. */
export function renderMail(id: string, p: MailPayload | InvitationMailPayload, publicUrl: string): MailMessage {
  if (p.kind === 'org.invited') return renderInvitationMail(id, p, publicUrl);
  const t = p.token;
  // A service account's token is managed by its org's admins, on the org's page.
  const link = p.serviceAccountOrg
    ? `${publicUrl}/orgs/${encodeURIComponent(p.serviceAccountOrg)}/service-accounts/${encodeURIComponent(p.username)}`
    : `${publicUrl}/tokens/${encodeURIComponent(t.id)}`;
  const label = `"${t.name}" (${t.hint})`;
  const when = new Date(p.at).toISOString();
  const via = t.clientName ? `${t.createdVia} (${t.clientName})` : t.createdVia;
  const facts: [string, string][] = [
    ['Token', t.name], ['Hint', t.hint], ['Organizations', t.orgs === '*' ? 'all your organizations' : t.orgs.join(', ') || '(none)'],
    ['Scopes', t.scopes.join(', ')], ['Expires', t.expiresAt],
  ];
  let subject: string;
  let intro: string[];
  let action: { label: string; href: string };
  switch (p.kind) {
    case 'token.created':
    case 'token.regenerated': {
      const verb = p.kind === 'token.created' ? 'created' : 'regenerated (it has a new secret)';
      subject = `patd: a personal access token was ${p.kind === 'token.created' ? 'created' : 'regenerated'} on your account: ${t.name}`;
      intro = [`A personal access token ${label} was ${verb} on your account ${p.username} at ${when}.`,
        'If you did not expect this, revoke it now and change your password.'];
      facts.push(['Created via', via], ['From IP', p.ip ?? 'unknown'], ['User agent', p.userAgent ?? 'unknown']);
      action = { label: 'Review or revoke this token', href: link };
      break;
    }
    case 'token.expiring':
      subject = `patd: your personal access token ${t.name} expires in ${p.leadDays} day${p.leadDays === 1 ? '' : 's'}`;
      intro = [`Your personal access token ${label} expires at ${t.expiresAt}.`,
        'If you still need it, renew it (move its expiry later) or create a new one; otherwise nothing needs to be done.'];
      action = { label: 'Renew this token', href: link };
      break;
    case 'token.revoked':
      subject = `patd: your personal access token ${t.name} was revoked by ${p.actor ?? 'someone else'}`;
      intro = [`Your personal access token ${label} was revoked at ${when} by ${p.actor ?? 'someone else'}.`,
        `Reason: ${p.reason ?? 'none given'}.`, 'Anything that used it will now be refused; create a new token if you still need access.'];
      action = { label: 'See the token', href: link };
      break;
    case 'token.leaked':
      subject = p.revoked
        ? `patd: your personal access token ${t.name} was reported as leaked and has been revoked`
        : `patd: your personal access token ${t.name} was reported as leaked`;
      intro = [`Someone reported the secret of your personal access token ${label} as leaked (publicly exposed) at ${when}, from ${p.ip ?? 'an unknown address'}.`,
        p.revoked ? 'It has been revoked. Create a new token and replace it wherever it was used.'
          : 'Your organization policy keeps it active: revoke or regenerate it now unless you are sure it is safe.'];
      action = { label: p.revoked ? 'See the token' : 'Revoke or regenerate this token', href: link };
      break;
  }
  if (p.serviceAccountOrg) intro.unshift(`This is about service account ${p.username} of org ${p.serviceAccountOrg}; you receive it as an admin of that org.`);
  const hello = p.serviceAccountOrg ? `an admin of ${p.serviceAccountOrg}` : p.username;
  const text = [
    `Hello ${hello},`, '', ...intro, '',
    ...facts.map(([k, v]) => `${`${k}:`.padEnd(15)}${v}`), '', `${action.label}: ${action.href}`, '',
    '-- patd (this message never contains a token secret)', '',
  ].join('\n');
  const html = [
    '<!doctype html><html><body style="font-family:sans-serif">',
    `<p>Hello ${esc(hello)},</p>`, ...intro.map((l) => `<p>${esc(l)}</p>`),
    '<table>', ...facts.map(([k, v]) => `<tr><th align="left">${esc(k)}</th><td>${esc(v)}</td></tr>`), '</table>',
    `<p><a href="${esc(action.href)}">${esc(action.label)}</a></p>`,
    '<p style="color:#666">patd (this message never contains a token secret)</p></body></html>',
  ].join('\n');
  return { id, to: p.to, subject: oneLine(subject), text, html };
}

export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Subjects are one line whatever a token name holds. */
export function oneLine(s: string): string {
  return s.replace(/[\r\n\t]+/g, ' ').slice(0, 250);
}
