import type { Config } from '../config.js';
import { buildCore, openStore } from '../core-builder.js';
import { AccountService } from '../core/accounts/service.js';
import { InvitationService } from '../core/orgs/invitations.js';
import { OrgService } from '../core/orgs/service.js';
import { ServiceAccountService } from '../core/orgs/service-accounts.js';
import { TokenService } from '../core/tokens/service.js';
import type { LocalContext } from './context.js';

/**
 * The database and the core services a CLI command works with (storage and core only: no HTTP).
 * Loaded by openLocal once a command needs them, so that --help, --version and usage errors do
 * not pay for them. A schema from an older patd is brought up to date.
 */
export async function openServices(config: Readonly<Config>): Promise<LocalContext> {
  const store = await openStore(config, { create: false });
  try {
    await store.migrate();
  } catch (e) {
    await store.close();
    throw e;
  }
  const core = buildCore(config, store);
  const tokens = new TokenService(core);
  return {
    core, accounts: new AccountService(core), orgs: new OrgService(core), tokens, serviceAccounts: new ServiceAccountService(core, tokens),
    invitations: new InvitationService(core),
    close: () => store.close(),
  };
}
