import { esc, oneLine } from './messages.js';
import type { InvitationMailPayload, MailMessage } from './model.js';

/** The invitee's mail: who invited them where, as what, until when, and where to answer. */
export function renderInvitationMail(id: string, p: InvitationMailPayload, publicUrl: string): MailMessage {
  const link = `${publicUrl}/account`;
  const who = p.invitedBy === 'cli' ? 'An operator of patd' : p.invitedBy;
  const where = p.orgDisplayName && p.orgDisplayName !== p.org ? `${p.orgDisplayName} (${p.org})` : p.org;
  const subject = `patd: ${who} invited you to join the organization ${p.org}`;
  const intro = [
    `${who} invited you (${p.username}) to join the organization ${where} as ${p.role}.`,
    `The invitation expires at ${p.expiresAt}. Nothing changes unless you accept it.`,
    'If you accept, your personal access tokens that are valid in all your organizations will work in this one too, and its admins will see them (never their secrets).',
  ];
  const facts: [string, string][] = [['Organization', where], ['Role', p.role], ['Invited by', who], ['Expires', p.expiresAt]];
  const action = { label: 'Accept or decline', href: link };
  const text = [
    `Hello ${p.username},`, '', ...intro, '', ...facts.map(([k, v]) => `${`${k}:`.padEnd(15)}${v}`), '', `${action.label}: ${action.href}`, '',
    '-- patd (if you did not expect this, ignore it or decline)', '',
  ].join('\n');
  const html = [
    '<!doctype html><html><body style="font-family:sans-serif">',
    `<p>Hello ${esc(p.username)},</p>`, ...intro.map((l) => `<p>${esc(l)}</p>`),
    '<table>', ...facts.map(([k, v]) => `<tr><th align="left">${esc(k)}</th><td>${esc(v)}</td></tr>`), '</table>',
    `<p><a href="${esc(action.href)}">${esc(action.label)}</a></p>`,
    '<p style="color:#666">patd (if you did not expect this, ignore it or decline)</p></body></html>',
  ].join('\n');
  return { id, to: p.to, subject: oneLine(subject), text, html };
}
