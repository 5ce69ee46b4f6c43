import { existsSync } from 'node:fs';
import { noSqliteDatabase } from '../adapters/storage/errors.js';
import { loadConfig, loadDotEnv } from '../config.js';
import { AccountService } from '../core/accounts/service.js';
import type { CoreDeps } from '../core/deps.js';
import type { Caller, User } from '../core/model.js';
import { OrgService } from '../core/orgs/service.js';
import { TokenService } from '../core/tokens/service.js';

export interface LocalContext {
  core: CoreDeps;
  accounts: AccountService;
  orgs: OrgService;
  tokens: TokenService;
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
  if (file && file !== ':memory:' && !existsSync(file)) throw noSqliteDatabase(config.databaseFrom, file); // before loading the server's modules
  // Loaded here, not at start-up: --help, --version and usage errors stay fast.
  const { buildCore, openStore } = await import('../server.js');
  const store = await openStore(config, { create: false });
  try {
    await store.migrate();
  } catch (e) {
    await store.close();
    throw e;
  }
  const core = buildCore(config, store);
  return {
    core, accounts: new AccountService(core), orgs: new OrgService(core), tokens: new TokenService(core),
    close: () => store.close(),
  };
}

/** The operator at the CLI acting for `user`: audit events name the CLI as the actor. */
export function cliCaller(user: User): Caller {
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
