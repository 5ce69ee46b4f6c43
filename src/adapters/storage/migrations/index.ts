import type { Migration, MigrationProvider } from 'kysely';
import * as core from './20261125_0001_core.js';
import * as clients from './20261125_0004_clients.js';
import * as gitDevice from './20261125_0005_git_device.js';
import * as notifications from './20261125_0003_notifications.js';
import * as userIdentities from './20261126_0006_user_identities.js';
import * as tokenUsage from './20261201_0011_token_usage.js';
import * as serviceAccounts from './20261201_0007_service_accounts.js';
import * as invitationsSessions from './20261201_0008_invitations_sessions.js';
import * as rateLimits from './20261201_0009_rate_limits.js';
import * as changeLog from './20261201_0010_change_log.js';

/**
 * Migrations are code, ordered by their timestamped names. Add a file and list it here;
 * they run at start-up and with `patd migrate`.
 */
const ALL: Record<string, Migration> = {
  '20261125_0001_core': core,
  '20261125_0004_clients': clients,
  '20261125_0005_git_device': gitDevice,
  '20261125_0003_notifications': notifications,
  '20261126_0006_user_identities': userIdentities,
  '20261201_0011_token_usage': tokenUsage,
  '20261201_0007_service_accounts': serviceAccounts,
  '20261201_0008_invitations_sessions': invitationsSessions,
  '20261201_0009_rate_limits': rateLimits,
  '20261201_0010_change_log': changeLog,
};

export const migrationProvider: MigrationProvider = {
  async getMigrations() {
    return ALL;
  },
};
