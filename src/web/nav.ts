import type { User } from '../core/model.js';

export type Section = 'tokens' | 'orgs' | 'account' | 'admin';

export interface NavItem {
  section: Section;
  label: string;
  href: string;
  /** Shown to this user (e.g. instance admins only). */
  shows(user: User): boolean;
}

/**
 * The main navigation, in order. A new area of the web app adds its entry here. "Admin" is
 * shown to instance admins only; its pages refuse everyone else themselves (routes/admin.ts).
 */
export const NAV: NavItem[] = [
  { section: 'tokens', label: 'Personal access tokens', href: '/tokens', shows: () => true },
  { section: 'orgs', label: 'Organizations', href: '/orgs', shows: () => true },
  { section: 'account', label: 'Account', href: '/account', shows: () => true },
  { section: 'admin', label: 'Admin', href: '/admin', shows: (u) => u.isAdmin },
];
