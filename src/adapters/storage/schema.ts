import type { Generated } from 'kysely';

/** Table types: snake_case, as stored. Mapped to domain objects in the repositories. */
export interface UsersTable {
  id: string;
  username: string;
  email: string;
  display_name: string;
  password_hash: string | null;
  disabled: number;
  is_admin: number;
  service_org_id: string | null;
  /** A deleted service account keeps its row (its revoked tokens and events name it). */
  service_deleted_at: number | null;
  created_at: number;
  updated_at: number;
}
export interface SessionsTable {
  id: string;
  user_id: string;
  csrf_token: string;
  created_at: number;
  expires_at: number;
  ip: string | null;
  user_agent: string | null;
  public_id: string;
  last_seen_at: number;
  last_seen_ip: string | null;
}
export interface UserIdentitiesTable {
  issuer: string;
  subject: string;
  user_id: string;
  email: string | null;
  created_at: number;
  last_sign_in_at: number;
}
export interface OrgsTable {
  id: string;
  name: string;
  display_name: string;
  created_at: number;
}
export interface MembershipsTable {
  org_id: string;
  user_id: string;
  role: string;
  created_at: number;
}
export interface PoliciesTable {
  org_id: string;
  body: string;
  updated_at: number;
}
export interface TokensTable {
  id: string;
  user_id: string;
  name: string;
  digest: string;
  hint: string;
  scopes: string;
  all_orgs: number;
  created_at: number;
  expires_at: number;
  last_used_at: number | null;
  last_used_ip: string | null;
  revoked_at: number | null;
  revoked_by: string | null;
  revoked_reason: string | null;
  created_via: string;
  client_name: string | null;
  user_agent: string | null;
  created_ip: string | null;
  version: number;
}
export interface TokenOrgsTable {
  token_id: string;
  org_id: string;
}
export interface TokenOldDigestsTable {
  digest: string;
  token_id: string;
  valid_until: number;
}
export interface AuditEventsTable {
  id: string;
  at: number;
  actor_type: string;
  actor_id: string | null;
  actor_name: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  subject_user_id: string | null;
  ip: string | null;
  user_agent: string | null;
  details: string;
}
export interface AuditEventOrgsTable {
  event_id: string;
  org_id: string;
  at: number;
}
export interface OutboxTable {
  id: string;
  kind: string;
  dedupe_key: string;
  payload: string;
  status: string;
  attempts: number;
  available_at: number;
  lease_owner: string | null;
  lease_until: number | null;
  last_error: string | null;
  created_at: number;
  sent_at: number | null;
}

export interface WebhooksTable {
  id: string;
  org_id: string | null;
  url: string;
  events: string;
  description: string | null;
  secret_sealed: string;
  created_by: string | null;
  created_at: number;
}
export interface WebhookDeliveriesTable {
  id: string;
  webhook_id: string;
  message_id: string;
  event_type: string;
  attempt: number;
  at: number;
  status_code: number | null;
  ok: number;
  error: string | null;
  duration_ms: number;
}
export interface ScanStateTable {
  key: string;
  at: number;
  last_id: string | null;
  updated_at: number;
}

import type { DeviceGrantsTable, GitReposTable } from './repos/git-device.js';

export interface ClientsTable {
  id: string;
  name: string;
  secret_digest: string;
  created_at: number;
  created_by: string | null;
}

/** Requests per token per UTC day (`YYYY-MM-DD`) and the distinct IPs seen (JSON array, bounded). */
export interface TokenUsageTable {
  token_id: string;
  day: string;
  count: number;
  ips: string;
}

export interface InvitationsTable {
  id: string;
  org_id: string;
  user_id: string;
  role: string;
  invited_by_id: string | null;
  invited_by_name: string;
  status: string;
  created_at: number;
  expires_at: number;
  responded_at: number | null;
}

/** Invalidations for other processes on one SQLite file (repos/invalidations.ts). */
export interface ChangeLogTable {
  id: Generated<number>;
  origin: string;
  payload: string;
}

export interface Database {
  git_repos: GitReposTable;
  device_grants: DeviceGrantsTable;
  users: UsersTable;
  sessions: SessionsTable;
  user_identities: UserIdentitiesTable;
  orgs: OrgsTable;
  memberships: MembershipsTable;
  policies: PoliciesTable;
  tokens: TokensTable;
  token_orgs: TokenOrgsTable;
  token_old_digests: TokenOldDigestsTable;
  token_usage: TokenUsageTable;
  audit_events: AuditEventsTable;
  audit_event_orgs: AuditEventOrgsTable;
  outbox: OutboxTable;
  clients: ClientsTable;
  webhooks: WebhooksTable;
  webhook_deliveries: WebhookDeliveriesTable;
  scan_state: ScanStateTable;
  invitations: InvitationsTable;
  rate_limits: RateLimitsTable;
  change_log: ChangeLogTable;
}

/** A rate-limit window: `key` is "{limit}:{digest of what is counted}". */
export interface RateLimitsTable {
  key: string;
  hits: number;
  reset_at: number;
}
