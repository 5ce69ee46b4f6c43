import { DAY_MS } from '../../core/clock.js';
import type { TokenView } from '../../core/tokens/view.js';
import { Time } from './time.js';

const STATUS_LABEL = { active: 'Active', expired: 'Expired', revoked: 'Revoked' } as const;

export const StatusBadge = (p: { status: TokenView['status'] }) => <span class={`badge badge-${p.status}`}>{STATUS_LABEL[p.status]}</span>;

export const OrgNames = (p: { orgs: TokenView['orgs'] }) =>
  p.orgs === '*' ? <span>All my organizations</span> : p.orgs.length === 0 ? <span class="muted">None</span> : (
    <span class="tags">{p.orgs.map((o) => <code key={o}>{o}</code>)}</span>
  );

export const ScopeNames = (p: { scopes: string[] }) =>
  p.scopes.includes('*') ? <span class="badge badge-full">Full access</span> : (
    <span class="tags">{p.scopes.map((s) => <code key={s}>{s}</code>)}</span>
  );

/** How the token was made: "web", "device (git-credential-patd)". */
export const Via = (p: { t: TokenView }) => <span>{p.t.clientName ? `${p.t.createdVia} (${p.t.clientName})` : p.t.createdVia}</span>;

/** Inside the warning lead (the longest of PATD_EXPIRY_WARNING_DAYS): the mails are about to say so too. */
export const expiresSoon = (t: TokenView, now: number, leadDays: number) => {
  const left = Date.parse(t.expiresAt) - now;
  return t.status === 'active' && left <= leadDays * DAY_MS;
};

/** Expiry, relative and absolute, marked when it falls inside the warning lead. */
export function Expiry(p: { t: TokenView; now: number; leadDays: number }) {
  const soon = expiresSoon(p.t, p.now, p.leadDays);
  return (
    <span class={soon ? 'expiry soon' : 'expiry'}>
      {p.t.status === 'expired' ? 'Expired ' : ''}
      <Time at={p.t.expiresAt} now={p.now} format="relative" />
      {soon && <span class="badge badge-warn">Expires soon</span>}
      <br />
      <small><Time at={p.t.expiresAt} now={p.now} /></small>
    </span>
  );
}

export function LastUsed(p: { t: TokenView; now: number }) {
  if (!p.t.lastUsedAt) return <span class="muted">Never used</span>;
  return (
    <span>
      <Time at={p.t.lastUsedAt} now={p.now} format="relative" />
      {p.t.lastUsedIp && <><br /><small>from <code>{p.t.lastUsedIp}</code></small></>}
    </span>
  );
}
