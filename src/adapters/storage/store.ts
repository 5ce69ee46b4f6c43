import type { Kysely } from 'kysely';
import type { Repos, Store } from '../../core/ports.js';
import type { Db } from './db.js';
import { LockBusyAtBegin } from './driver.js';
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

/** `origin` names the Store in the invalidations it publishes, so its own listener can skip them. */
export function makeRepos(db: Kysely<Database>, origin: string): Repos {
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
    invalidations: invalidationRepo(db, origin),
    usage: usageRepo(db),
    invitations: invitationRepo(db),
    rateLimits: rateLimitRepo(db),
  };
}

/**
 * How long a SQLite transaction waits for another process's write lock before it gives up
 * (then the request answers 503 `unavailable`, Retry-After: 1). It waits between attempts with
 * the event loop free, never inside better-sqlite3's busy handler (docs/instances.md).
 */
export const SQLITE_LOCK_WAIT_MS = 2_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The Kysely-backed Store for SQLite and PostgreSQL. */
export function kyselyStore(db: Db, o: { lockWaitMs?: number } = {}): Store & { db: Db } {
  const lockWaitMs = o.lockWaitMs ?? SQLITE_LOCK_WAIT_MS;
  const once = <T>(fn: (r: Repos) => Promise<T>) => db.kysely.transaction().execute((trx) => fn(makeRepos(trx, db.origin)));
  return {
    db,
    dialect: db.dialect,
    r: makeRepos(db.kysely, db.origin),
    async tx(fn) {
      if (db.dialect !== 'sqlite') return once(fn);
      const until = Date.now() + lockWaitMs;
      for (let delay = 2; ; delay = Math.min(delay * 2, 100)) {
        try {
          return await once(fn);
        } catch (e) {
          // Only a BEGIN that met the lock is retried: nothing of `fn` has run yet.
          if (!(e instanceof LockBusyAtBegin)) throw e;
          if (Date.now() + delay > until) throw e.cause;
          await sleep(delay);
        }
      }
    },
    close: () => db.kysely.destroy(),
  };
}
