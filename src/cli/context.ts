import { existsSync } from 'node:fs';
import { noSqliteDatabase } from '../adapters/storage/errors.js';
import { loadConfig, loadDotEnv } from '../config.js';
import type { AccountService } from '../core/accounts/service.js';
import type { CoreDeps } from '../core/deps.js';
import type { Caller, User } from '../core/model.js';
import type { InvitationService } from '../core/orgs/invitations.js';
import type { OrgService } from '../core/orgs/service.js';
import type { ServiceAccountService } from '../core/orgs/service-accounts.js';
import type { TokenService } from '../core/tokens/service.js';

export interface LocalContext {
  core: CoreDeps;
  accounts: AccountService;
  orgs: OrgService;
  tokens: TokenService;
  serviceAccounts: ServiceAccountService;
  invitations: InvitationService;
  close(): Promise<void>;
}

/**
 * Opens the configured database for a CLI command that works on it directly. It must exist
 * already (only `serve` and `migrate` create one): a command run from the wrong folder says
 * where it looked instead of starting an empty database there. A schema from an older patd is
 * brought up to date.
 */
export async function openLocal(): Promise<LocalContext> {
  loadDotEnv();
  // No generated secret either: nothing the CLI does on the database needs it.
  const config = loadConfig(process.env, { ensureSecret: false });
  const file = config.databaseUrl.startsWith('sqlite:') ? config.databaseUrl.slice('sqlite:'.length) : null;
  if (file && file !== ':memory:' && !existsSync(file)) throw noSqliteDatabase(config.databaseFrom, file); // before loading the storage modules
  // Loaded here, not at start-up: --help, --version and usage errors stay fast.
  const { openServices } = await import('./local.js');
  return openServices(config);
}

/** The operator at the CLI acting for `user`: audit events name the CLI as the actor. */
export function cliCaller(user: User): Caller {
  return { user, token: null, ip: null, userAgent: 'patd-cli', actor: { type: 'system', id: null, name: 'cli' } };
}

/**
 * The operator at the CLI acting with an instance admin's authority where no user is named
 * (e.g. managing an org's service accounts). Audit events name the CLI as the actor.
 */
export function operatorCaller(): Caller {
  const user: User = {
    id: 'usr_operator', username: 'operator', email: '', displayName: 'Operator (CLI)', disabled: false, isAdmin: true,
    serviceOrgId: null, passwordHash: null, createdAt: 0,
  };
  return { user, token: null, ip: null, userAgent: 'patd-cli', actor: { type: 'system', id: null, name: 'cli' } };
}

export async function withLocal<T>(fn: (c: LocalContext) => Promise<T>): Promise<T> {
  const c = await openLocal();
  try {
    return await fn(c);
  } finally {
    await c.close();
  }
}
