import { loadConfig, loadDotEnv } from '../config.js';
import { AccountService } from '../core/accounts/service.js';
import type { CoreDeps } from '../core/deps.js';
import type { Caller, User } from '../core/model.js';
import { InvitationService } from '../core/orgs/invitations.js';
import { OrgService } from '../core/orgs/service.js';
import { TokenService } from '../core/tokens/service.js';
import { buildCore, openStore } from '../server.js';

export interface LocalContext {
  core: CoreDeps;
  accounts: AccountService;
  orgs: OrgService;
  tokens: TokenService;
  invitations: InvitationService;
  close(): Promise<void>;
}

/** Opens the configured database (migrating it) for a CLI command that works on it directly. */
export async function openLocal(): Promise<LocalContext> {
  loadDotEnv();
  const config = loadConfig();
  const store = await openStore(config);
  await store.migrate();
  const core = buildCore(config, store);
  return {
    core, accounts: new AccountService(core), orgs: new OrgService(core), tokens: new TokenService(core), invitations: new InvitationService(core),
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
