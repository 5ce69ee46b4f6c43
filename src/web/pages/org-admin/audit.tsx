import type { AuditEventView, AuditFilters } from '../../../core/audit/query.js';
import type { OrgView } from '../../../core/orgs/service.js';
import { type FieldErrors, FieldError } from '../../components/form.js';
import { Time } from '../../components/time.js';
import { browserSummary } from '../../components/user-agent.js';
import { actionLabel, actorText, eventSubject } from '../../audit-labels.js';
import { OrgLayout, type OrgPageCtx, orgPath, Pager, withQuery } from './layout.js';

export interface AuditData {
  org: OrgView;
  events: AuditEventView[];
  /** The filters as typed (dates as YYYY-MM-DD). */
  filters: Required<AuditFilters>;
  errors: FieldErrors;
  nextCursor: string | null;
  paged: boolean;
}

export const auditPath = (org: string) => `${orgPath(org)}/audit`;
export const auditCsvPath = (org: string) => `${orgPath(org)}/audit.csv`;

const filterQuery = (f: Required<AuditFilters>) => ({ action: f.action, actor: f.actor, since: f.since, until: f.until });

/** `/orgs/{org}/audit`: the org's audit events, newest first, filtered as the API filters them; the CSV download. */
export function auditPage(ctx: OrgPageCtx, d: AuditData) {
  const org = d.org.name;
  const f = d.filters;
  const e = d.errors;
  const here = auditPath(org);
  return (
    <OrgLayout ctx={ctx} org={d.org} section="Audit log" title="Audit log" heading="Audit log"
      lead="What happened in this organization and to the tokens usable in it: who did it, when and from where. Never a secret."
      actions={<a class="btn btn-secondary" href={withQuery(auditCsvPath(org), filterQuery(f))}>Download CSV</a>}>
      <form method="get" action={here} class="toolbar" aria-label="Filter events">
        <Filter id="action" label="Action" value={f.action} error={e.action} hint="token.revoked, or token.* for every token event" />
        <Filter id="actor" label="Actor" value={f.actor} error={e.actor} hint="A username, token or id" />
        <Filter id="since" label="Since" type="date" value={f.since} error={e.since} hint="From the start of this day (UTC)" />
        <Filter id="until" label="Until" type="date" value={f.until} error={e.until} hint="Before this day (UTC)" />
        <div class="field"><button type="submit" class="btn btn-secondary">Apply</button></div>
      </form>
      {d.events.length === 0 ? <p class="empty">{Object.values(filterQuery(f)).some(Boolean) ? 'No events match these filters.' : 'No events yet.'}</p> : (
        <table class="list audit">
          <caption class="visually-hidden">Audit events of {org}, newest first</caption>
          <thead><tr><th scope="col">When</th><th scope="col">What</th><th scope="col">By</th><th scope="col">Target</th><th scope="col">From</th><th scope="col">Details</th></tr></thead>
          <tbody>
            {d.events.map((ev) => {
              const about = eventSubject(ev);
              return (
                <tr key={ev.id}>
                  <td data-label="When"><div class="cell"><Time at={ev.at} now={ctx.now} /></div></td>
                  <td data-label="What"><div class="cell">
                    <span class="event-label">{actionLabel(ev.action)}</span>{about && <><br /><small>{about}</small></>}
                    <br /><small class="muted"><code class="action">{ev.action}</code></small>
                  </div></td>
                  <td data-label="By"><div class="cell">{actorText(ev)}</div></td>
                  <td data-label="Target"><div class="cell">{ev.target ? <><span class="muted">{ev.target.type}</span><br /><small><code>{ev.target.id ?? ''}</code></small></> : <span class="muted">—</span>}</div></td>
                  <td data-label="From"><div class="cell">{ev.ip ? <code>{ev.ip}</code> : <span class="muted">—</span>}{ev.userAgent && <><br /><small class="muted" title={ev.userAgent}>{browserSummary(ev.userAgent)}</small></>}</div></td>
                  <td data-label="Details"><div class="cell"><Details d={ev.details} /></div></td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <Pager first={d.paged ? withQuery(here, filterQuery(f)) : undefined} next={d.nextCursor ? withQuery(here, { ...filterQuery(f), cursor: d.nextCursor }) : undefined} />
    </OrgLayout>
  );
}

function Filter(p: { id: string; label: string; value: string; error?: string; hint: string; type?: 'text' | 'date' }) {
  return (
    <div class={p.error ? 'field invalid' : 'field'}>
      <label for={p.id}>{p.label}</label>
      <input type={(p.type ?? 'text') as 'text'} id={p.id} name={p.id} value={p.value} maxLength={100} autocomplete="off"
        aria-describedby={[`${p.id}-hint`, p.error ? `${p.id}-error` : ''].filter(Boolean).join(' ')} aria-invalid={p.error ? 'true' : undefined} />
      <small id={`${p.id}-hint`} class="hint">{p.hint}</small>
      <FieldError id={p.id} error={p.error} />
    </div>
  );
}

const short = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

const SHOWN = 6;

/** An event's details as "key: value" pairs (empty ones left out), the first few inline and the rest behind "more"; each value cut to a readable length. */
function Details(p: { d: Record<string, unknown> }) {
  const entries = Object.entries(p.d).filter(([, v]) => v !== null && v !== undefined && v !== '');
  if (entries.length === 0) return <span class="muted">—</span>;
  const pair = ([k, v]: [string, unknown]) => <li key={k}><span class="muted">{k}:</span> {short(detailText(v), 160)}</li>;
  return (
    <div class="inline-details">
      <ul class="plain">{entries.slice(0, SHOWN).map(pair)}</ul>
      {entries.length > SHOWN && (
        <details>
          <summary>{entries.length - SHOWN} more</summary>
          <ul class="plain">{entries.slice(SHOWN).map(pair)}</ul>
        </details>
      )}
    </div>
  );
}

function detailText(v: unknown): string {
  if (typeof v === 'string') return v;
  if (Array.isArray(v) && v.every((x) => typeof x === 'string' || typeof x === 'number')) return v.join(', ');
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}
