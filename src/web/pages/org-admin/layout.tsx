import type { ComponentChildren } from 'preact';
import type { OrgView } from '../../../core/orgs/service.js';
import type { PageCtx, Viewer } from '../../context.js';
import { Layout, PageHeader } from '../../layout.js';
import { ORG_SECTIONS } from '../../org-sections.js';
import { sectionRole } from '../org.js';
import { orgPath } from '../orgs-list.js';

/** A page of an org for a signed-in admin: the viewer and the org as they may see it. */
export type OrgPageCtx = PageCtx & { viewer: Viewer };

export { orgPath };

export interface Crumb {
  href: string;
  label: ComponentChildren;
}

/**
 * Every org admin page: the breadcrumbs (Organizations / the org / …), the org's
 * sub-navigation (src/web/org-sections.ts) with the current section marked, and the page.
 */
export function OrgLayout(p: {
  ctx: OrgPageCtx; org: OrgView; section: string; title: string; crumbs?: Crumb[];
  heading: ComponentChildren; lead?: ComponentChildren; actions?: ComponentChildren; children: ComponentChildren;
}) {
  const o = p.org;
  const role = sectionRole(o, p.ctx.viewer);
  const sectionHref = ORG_SECTIONS.find((s) => s.label === p.section)?.href(o.name);
  return (
    <Layout ctx={p.ctx} title={`${p.title} · ${o.name}`} section="orgs">
      <nav class="breadcrumbs" aria-label="Breadcrumbs">
        <a href="/orgs">Organizations</a> / <a href={orgPath(o.name)}>{o.displayName}</a>
        {p.crumbs?.length ? <> / <a href={sectionHref}>{p.section}</a></> : null}
        {p.crumbs?.map((c) => <span key={c.href}> / <a href={c.href}>{c.label}</a></span>)}
      </nav>
      <nav class="sub-nav" aria-label={`Organization ${o.name}`}>
        <ul>
          {ORG_SECTIONS.filter((s) => s.shows(role)).map((s) => (
            <li key={s.label}>
              <a href={s.href(o.name)} aria-current={s.label === p.section && !p.crumbs?.length ? 'page' : s.label === p.section ? 'true' : undefined}>{s.label}</a>
            </li>
          ))}
        </ul>
      </nav>
      <PageHeader title={p.heading} lead={p.lead} actions={p.actions} />
      {p.children}
    </Layout>
  );
}

/** "First page" and "Next page" links of a cursor-paged list. */
export function Pager(p: { first?: string; next?: string }) {
  if (!p.first && !p.next) return null;
  return (
    <nav class="pager" aria-label="Pages">
      {p.first && <a href={p.first}>First page</a>}
      {p.next && <a href={p.next} rel="next">Next page</a>}
    </nav>
  );
}

/** A list address with its query (empty values left out). */
export function withQuery(path: string, q: Record<string, string | undefined | null>): string {
  const s = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v) s.set(k, v);
  const t = s.toString();
  return t ? `${path}?${t}` : path;
}
