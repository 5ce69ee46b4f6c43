import type { Kysely } from 'kysely';
import type { Repos, Store } from '../../core/ports.js';
import type { Db } from './db.js';
import { auditRepo } from './repos/audit.js';
import { outboxRepo } from './repos/outbox.js';
import { scanRepo } from './repos/scan.js';
import { webhookRepo } from './repos/webhooks.js';
import { deviceGrantRepo, gitRepoRepo } from './repos/git-device.js';
import { clientRepo } from './repos/clients.js';
import { memberRepo, orgRepo, policyRepo } from './repos/orgs.js';
import { identityRepo } from './repos/identities.js';
import { sessionRepo } from './repos/sessions.js';
import { tokenRepo } from './repos/tokens.js';
import { userRepo } from './repos/users.js';
import { invalidationRepo } from './repos/invalidations.js';
import { usageRepo } from './repos/usage.js';
import { invitationRepo } from './repos/invitations.js';
import { rateLimitRepo } from './repos/rate-limits.js';
import type { Database } from './schema.js';

export function makeRepos(db: Kysely<Database>): Repos {
  return {
    users: userRepo(db),
    sessions: sessionRepo(db),
    identities: identityRepo(db),
    orgs: orgRepo(db),
    members: memberRepo(db),
    policies: policyRepo(db),
    tokens: tokenRepo(db),
    audit: auditRepo(db),
    outbox: outboxRepo(db),
    webhooks: webhookRepo(db),
    scan: scanRepo(db),
    gitRepos: gitRepoRepo(db),
    deviceGrants: deviceGrantRepo(db),
    clients: clientRepo(db),
    invalidations: invalidationRepo(db),
    usage: usageRepo(db),
    invitations: invitationRepo(db),
    rateLimits: rateLimitRepo(db),
  };
}

/** The Kysely-backed Store for SQLite and PostgreSQL. */
export function kyselyStore(db: Db): Store & { db: Db } {
  return {
    db,
    dialect: db.dialect,
    r: makeRepos(db.kysely),
    tx: (fn) => db.kysely.transaction().execute((trx) => fn(makeRepos(trx))),
    close: () => db.kysely.destroy(),
  };
}
