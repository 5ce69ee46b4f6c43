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

// The org admin pages (src/web/pages/org-admin/): for owners and admins.
const admins = (role: Role) => role === 'owner' || role === 'admin';
ORG_SECTIONS.push(
  { label: 'Members', href: (org) => `${path(org)}/members`, shows: admins },
  { label: 'Invitations', href: (org) => `${path(org)}/invitations`, shows: admins },
  { label: 'Service accounts', href: (org) => `${path(org)}/service-accounts`, shows: admins },
  { label: 'Tokens', href: (org) => `${path(org)}/tokens`, shows: admins },
  { label: 'Policy', href: (org) => `${path(org)}/policy`, shows: admins },
  { label: 'Audit log', href: (org) => `${path(org)}/audit`, shows: admins },
  { label: 'Webhooks', href: (org) => `${path(org)}/webhooks`, shows: admins },
);
