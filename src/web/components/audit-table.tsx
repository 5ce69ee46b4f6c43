import type { AuditEventView } from '../../core/audit/query.js';
import { actionLabel, actorText, eventSubject } from '../audit-labels.js';
import { Time } from './time.js';
import { browserSummary } from './user-agent.js';

/** Audit events, newest first: when, what (readable), by whom, from where. */
export function AuditTable(p: { events: AuditEventView[]; now: number; caption: string }) {
  return (
    <table class="list">
      <caption class="visually-hidden">{p.caption}</caption>
      <thead>
        <tr><th scope="col">When</th><th scope="col">What</th><th scope="col">By</th><th scope="col">From</th></tr>
      </thead>
      <tbody>
        {p.events.map((e) => {
          const about = eventSubject(e);
          return (
            <tr key={e.id}>
              <td data-label="When"><div class="cell"><Time at={e.at} now={p.now} /></div></td>
              <td data-label="What"><div class="cell"><span class="event-label">{actionLabel(e.action)}</span>{about && <><br /><small>{about}</small></>}<br /><small class="muted"><code>{e.action}</code></small></div></td>
              <td data-label="By"><div class="cell">{actorText(e)}</div></td>
              <td data-label="From"><div class="cell">{e.ip ?? <span class="muted">—</span>}{e.userAgent && <><br /><small class="muted" title={e.userAgent}>{browserSummary(e.userAgent)}</small></>}</div></td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
