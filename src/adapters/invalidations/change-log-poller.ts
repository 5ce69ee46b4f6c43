import type { Kysely } from 'kysely';
import type { InvalidationSubscriber } from '../../core/changes.js';
import type { Worker } from '../../core/worker.js';
import type { Database } from '../storage/schema.js';
import { applyMessage, DOWN_TTL_MS, type FeedLog } from './apply.js';

export interface ChangeLogOptions {
  pollMs?: number;
  downTtlMs?: number;
}

const BATCH = 500;

/**
 * Hears the changes other processes on the same SQLite file commit (the CLI, a second server):
 * reads the change log after its cursor a few times a second. Only reads, so it never waits
 * for another process's write lock. A cursor that fell behind the pruned rows, or a failed
 * read, drops everything cached; while reads fail, cached checks are trusted for `downTtlMs`.
 */
export function changeLogPoller(db: Kysely<Database>, origin: string, target: InvalidationSubscriber, log: FeedLog, o: ChangeLogOptions = {}): Worker {
  let cursor: number | null = null;
  // Down until the first read: until then this server cannot know what others change.
  let down = true;
  let warned = false;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;

  async function poll(): Promise<void> {
    if (cursor === null) {
      const last = await db.selectFrom('change_log').select((eb) => eb.fn.max('id').as('id')).executeTakeFirst();
      cursor = Number(last?.id ?? 0);
      return;
    }
    for (;;) {
      const rows = await db.selectFrom('change_log').select(['id', 'payload']).where('id', '>', cursor).orderBy('id').limit(BATCH).execute();
      const first = rows[0];
      if (!first) return;
      // Ids are consecutive (AUTOINCREMENT, one writer): a jump means rows this server never read were pruned.
      if (Number(first.id) !== cursor + 1) target.invalidateAll();
      for (const r of rows) applyMessage(r.payload, origin, target);
      cursor = Number(rows[rows.length - 1]?.id ?? cursor);
      if (rows.length < BATCH) return;
    }
  }
  const tick = () => {
    running ??= poll().then(() => {
      if (!down) return;
      down = false;
      // Whatever was cached while this server could not read the log may be stale.
      target.invalidateAll();
      target.limitTtl(null);
      if (warned) log.info({}, 'reading the change log again');
      warned = false;
    }, (err) => {
      target.limitTtl(o.downTtlMs ?? DOWN_TTL_MS);
      down = true;
      if (warned) return;
      warned = true;
      log.warn({ err }, 'cannot read the change log; cached token checks are trusted for 1 s until it can');
    }).finally(() => {
      running = null;
    });
  };

  return {
    name: 'invalidations',
    start() {
      if (timer) return;
      down = true;
      target.limitTtl(o.downTtlMs ?? DOWN_TTL_MS);
      tick();
      timer = setInterval(tick, o.pollMs ?? 250);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = null;
      await running;
      target.limitTtl(null); // stopped on purpose, not deaf: the configured TTL applies again
    },
  };
}
