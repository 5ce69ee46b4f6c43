import type { Role } from '../core/model.js';

/** One link of an org's sub-navigation on `/orgs/{org}` and the pages under it. */
export interface OrgSection {
  label: string;
  /** The page's address for this org (the org's name, as in the URL). */
  href(org: string): string;
  /** Shown to a member with this role (the page itself still checks through its use case). */
  shows(role: Role): boolean;
}

const path = (org: string) => `/orgs/${encodeURIComponent(org)}`;

/**
 * The sub-navigation of an org's pages, in order. The overview (members, leave) is for every
 * member; the admin areas (docs/web.md) append their entries here.
 */
export const ORG_SECTIONS: OrgSection[] = [
  { label: 'Overview', href: path, shows: () => true },
];
