import type { Page, PageQuery, Role } from '../model.js';

/** How long an invitation can be accepted. */
export const INVITATION_DAYS = 7;

/** `expired` is written only when a new invitation replaces an expired one; until then it is a pending row past `expiresAt`. */
export type InvitationStatus = 'pending' | 'accepted' | 'declined' | 'withdrawn' | 'expired';

/** An org's invitation to a person: membership needs their consent (docs/orgs.md). */
export interface Invitation {
  id: string;
  orgId: string;
  userId: string;
  role: Role;
  /** The user who invited; null for the operator at the CLI. */
  invitedById: string | null;
  /** Who invited, as shown to the invitee (a username, or `cli`). */
  invitedByName: string;
  createdAt: number;
  expiresAt: number;
  status: InvitationStatus;
  respondedAt: number | null;
}

/** An invitation with the names a list or a mail shows. */
export interface InvitationRow extends Invitation {
  orgName: string;
  orgDisplayName: string;
  username: string;
}

export interface InvitationRepo {
  insert(i: Invitation): Promise<void>;
  byId(id: string): Promise<InvitationRow | null>;
  /** The one pending row of (org, user), whether or not it has expired. */
  pendingFor(orgId: string, userId: string): Promise<Invitation | null>;
  /** Pending and not expired at `now`, oldest first. */
  listPendingForOrg(orgId: string, now: number, q: PageQuery): Promise<Page<InvitationRow>>;
  listPendingForUser(userId: string, now: number, q: PageQuery): Promise<Page<InvitationRow>>;
  /** Ends a pending invitation; false when it was no longer pending (someone else answered first). */
  close(id: string, status: Exclude<InvitationStatus, 'pending'>, at: number): Promise<boolean>;
}

export interface InvitationView {
  id: string;
  org: string;
  orgDisplayName: string;
  username: string;
  role: Role;
  invitedBy: string;
  status: InvitationStatus;
  createdAt: string;
  expiresAt: string;
}

export const invitationView = (i: InvitationRow, now: number): InvitationView => ({
  id: i.id, org: i.orgName, orgDisplayName: i.orgDisplayName, username: i.username, role: i.role, invitedBy: i.invitedByName,
  status: i.status === 'pending' && i.expiresAt <= now ? 'expired' : i.status,
  createdAt: new Date(i.createdAt).toISOString(), expiresAt: new Date(i.expiresAt).toISOString(),
});
