import type { Migration, MigrationProvider } from 'kysely';
import * as core from './20261125_0001_core.js';

/**
 * Migrations are code, ordered by their timestamped names. Add a file and list it here;
 * they run at start-up and with `patd migrate`.
 */
const ALL: Record<string, Migration> = {
  '20261125_0001_core': core,
};

export const migrationProvider: MigrationProvider = {
  async getMigrations() {
    return ALL;
  },
};
