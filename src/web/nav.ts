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
 * The main navigation, in order. A new area of the web app adds its entry here once its pages
 * exist ("Organizations" /orgs, "Account" /account, "Admin" /admin for instance admins).
 */
export const NAV: NavItem[] = [
  { section: 'tokens', label: 'Personal access tokens', href: '/tokens', shows: () => true },
];
