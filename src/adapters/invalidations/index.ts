import type { InvalidationSubscriber } from '../../core/changes.js';
import type { Worker } from '../../core/worker.js';
import type { Db } from '../storage/db.js';
import type { FeedLog } from './apply.js';
import { changeLogPoller } from './change-log-poller.js';
import { pgInvalidationListener } from './pg-listener.js';

/** How this instance hears other instances' invalidations: LISTEN/NOTIFY on PostgreSQL, the change log on SQLite. */
export function invalidationFeed(db: Db, target: InvalidationSubscriber, log: FeedLog): Worker {
  return db.dialect === 'postgres' ? pgInvalidationListener(db.url, db.origin, target, log) : changeLogPoller(db.kysely, db.origin, target, log);
}
