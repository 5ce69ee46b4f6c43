import type { DayUsage } from '../../core/tokens/usage.js';

const W = 600;
const H = 150;
const TOP = 12;
const BOTTOM = 1;

const shortDay = (day: string) => new Date(`${day}T00:00:00Z`).toLocaleDateString('en', { month: 'short', day: 'numeric', timeZone: 'UTC' });

/**
 * Requests per day as server-rendered SVG bars (attributes only: the CSP allows no inline
 * style), with the same numbers as a table for screen readers and anyone who wants them exact.
 */
export function UsageChart(p: { days: DayUsage[] }) {
  const days = p.days;
  const total = days.reduce((n, d) => n + d.count, 0);
  const ips = [...new Set(days.flatMap((d) => d.ips))];
  const max = Math.max(1, ...days.map((d) => d.count));
  const slot = W / Math.max(1, days.length);
  const first = days[0]?.day;
  const last = days[days.length - 1]?.day;
  const summary = total === 0
    ? 'No requests in the last 30 days.'
    : `${total} request${total === 1 ? '' : 's'} in the last 30 days${ips.length ? `, from ${ips.length} IP address${ips.length === 1 ? '' : 'es'}` : ''}.`;
  return (
    <div class="usage">
      <p class="usage-summary">{summary}</p>
      <svg class="chart" viewBox={`0 0 ${W} ${H}`} role="img" aria-labelledby="usage-title" preserveAspectRatio="none">
        <title id="usage-title">{`Requests per day${first && last ? ` from ${first} to ${last}` : ''}: ${summary}`}</title>
        {days.map((d, i) => {
          const h = d.count === 0 ? 0 : Math.max(2, ((H - TOP - BOTTOM) * d.count) / max);
          return <rect key={d.day} class="bar" x={i * slot + 2} y={H - BOTTOM - h} width={slot - 4} height={h}><title>{`${d.day}: ${d.count}`}</title></rect>;
        })}
      </svg>
      <p class="chart-axis" aria-hidden="true"><span>{first ? shortDay(first) : ''}</span><span>{total > 0 ? `busiest day: ${max}` : ""}</span><span>{last ? shortDay(last) : ''}</span></p>
      {total > 0 && (
        <details>
          <summary>Requests and IP addresses per day</summary>
          <table class="list compact">
            <thead><tr><th scope="col">Day (UTC)</th><th scope="col">Requests</th><th scope="col">IP addresses</th></tr></thead>
            <tbody>
              {days.filter((d) => d.count > 0).reverse().map((d) => (
                <tr key={d.day}>
                  <td data-label="Day (UTC)"><div class="cell">{d.day}</div></td>
                  <td data-label="Requests"><div class="cell">{d.count}</div></td>
                  <td data-label="IP addresses"><div class="cell">{d.ips.length ? <span class="tags">{d.ips.map((ip) => <code key={ip}>{ip}</code>)}</span> : <span class="muted">—</span>}</div></td>
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      )}
    </div>
  );
}
