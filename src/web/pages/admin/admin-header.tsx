import type { ComponentChildren } from 'preact';
import { PageHeader } from '../../layout.js';

export type AdminArea = 'users' | 'orgs' | 'clients';

const AREAS: { area: AdminArea; label: string; href: string }[] = [
  { area: 'users', label: 'Users', href: '/admin/users' },
  { area: 'orgs', label: 'Organizations', href: '/admin/orgs' },
  { area: 'clients', label: 'Resource-server clients', href: '/admin/clients' },
];

/** The instance admin pages' header and sub-navigation. */
export function AdminHeader(p: { area: AdminArea; title: ComponentChildren; lead?: ComponentChildren; actions?: ComponentChildren; crumbs?: { href: string; label: string } }) {
  return (
    <>
      <nav class="breadcrumbs" aria-label="Breadcrumbs">
        <a href="/admin">Admin</a>{p.crumbs && <> / <a href={p.crumbs.href}>{p.crumbs.label}</a></>}
      </nav>
      <PageHeader title={p.title} lead={p.lead} actions={p.actions} />
      <nav class="sub-nav" aria-label="Admin">
        <ul>
          {AREAS.map((a) => <li key={a.area}><a href={a.href} aria-current={a.area === p.area ? 'page' : undefined}>{a.label}</a></li>)}
        </ul>
      </nav>
    </>
  );
}
