import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { changeLogPoller } from '../../src/adapters/invalidations/change-log-poller.js';
import { invalidationFeed } from '../../src/adapters/invalidations/index.js';
import { type Db, migrate, openDb } from '../../src/adapters/storage/db.js';
import { CHANGE_LOG_KEEP, encodeInvalidation } from '../../src/adapters/storage/repos/invalidations.js';
import { kyselyStore } from '../../src/adapters/storage/store.js';
import type { Invalidation, InvalidationSubscriber } from '../../src/core/changes.js';
import type { Store } from '../../src/core/ports.js';
import type { Worker } from '../../src/core/worker.js';
import { createTestDb, dialects, type TestDb } from '../helpers/db.js';

const quiet = { info() {}, warn() {} };

class Heard implements InvalidationSubscriber {
  tokens = new Set<string>();
  users = new Set<string>();
  all = 0;
  ttl: (number | null)[] = [];
  invalidate(i: Invalidation) {
    for (const t of i.tokens) this.tokens.add(t);
    for (const u of i.users) this.users.add(u);
  }
  invalidateAll() {
    this.all++;
  }
  limitTtl(ms: number | null) {
    this.ttl.push(ms);
  }
}

async function until(what: string, ok: () => boolean, ms = 3_000): Promise<void> {
  const start = Date.now();
  while (!ok()) {
    assert.ok(Date.now() - start < ms, `timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const ids = (n: number, prefix = 'tok_') => Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(22, '0')}`);
const inv = (tokens: string[], users: string[] = []): Invalidation => ({ tokens, users, orgs: [] });

test('invalidation messages fit in a NOTIFY payload; a set too large becomes "drop everything"', () => {
  const one = encodeInvalidation(inv(['tok_a'], ['usr_b']), 'me');
  assert.deepEqual(one.map((m) => JSON.parse(m)), [{ from: 'me', tokens: ['tok_a'], users: ['usr_b'], orgs: [] }]);
  const many = encodeInvalidation(inv(ids(2_000)), 'me');
  assert.ok(many.length > 1);
  assert.ok(many.every((m) => Buffer.byteLength(m) < 8_000));
  assert.deepEqual(many.flatMap((m) => JSON.parse(m).tokens), ids(2_000));
  assert.deepEqual(encodeInvalidation(inv(ids(20_000)), 'me').map((m) => JSON.parse(m)), [{ from: 'me', all: true }]);
});

for (const dialect of await dialects()) {
  describe(`invalidation transport and outbox leases (${dialect})`, () => {
    let db: TestDb;
    let d1: Db;
    let d2: Db;
    let one: Store;
    let two: Store;
    let heard: Heard;
    let feed: Worker;

    before(async () => {
      db = await createTestDb(dialect);
      d1 = openDb(db.url);
      await migrate(d1);
      d2 = openDb(db.url);
      one = kyselyStore(d1);
      two = kyselyStore(d2);
      heard = new Heard();
      // Instance two hears what instance one commits.
      feed = invalidationFeed(d2, heard, quiet);
      feed.start();
      await until('the feed to be up', () => heard.ttl.at(-1) === null);
    });
    after(async () => {
      await feed.stop();
      await one.close();
      await two.close();
      await db.drop();
    });

    test('a committed change is heard by the other store; a rolled-back one never', async () => {
      await one.tx((r) => r.invalidations.publish(inv(['tok_committed'], ['usr_committed'])));
      await assert.rejects(one.tx(async (r) => {
        await r.invalidations.publish(inv(['tok_rolled_back']));
        throw new Error('roll back');
      }));
      await until('the committed change', () => heard.tokens.has('tok_committed') && heard.users.has('usr_committed'));
      await one.tx((r) => r.invalidations.publish(inv(['tok_marker'])));
      await until('the marker', () => heard.tokens.has('tok_marker'));
      assert.equal(heard.tokens.has('tok_rolled_back'), false);
    });

    test("a store skips its own messages (it applied them after its commit)", async () => {
      await two.tx((r) => r.invalidations.publish(inv(['tok_own'])));
      await one.tx((r) => r.invalidations.publish(inv(['tok_marker2'])));
      await until('the marker', () => heard.tokens.has('tok_marker2'));
      assert.equal(heard.tokens.has('tok_own'), false);
    });

    test('a large change arrives whole, in several messages; a huge one drops everything', async () => {
      const many = ids(1_500, 'tok_big');
      await one.tx((r) => r.invalidations.publish(inv(many)));
      await until('every id', () => many.every((t) => heard.tokens.has(t)));
      const before_ = heard.all;
      await one.tx((r) => r.invalidations.publish(inv(ids(20_000, 'tok_huge'))));
      await until('drop everything', () => heard.all > before_);
    });

    if (dialect === 'sqlite') {
      test('the change log is pruned; a reader that fell behind drops everything and reads on', async () => {
        const late = new Heard();
        const poller = changeLogPoller(d2.kysely, d2.origin, late, quiet, { pollMs: 60_000 });
        poller.start(); // reads the cursor, then waits (a long interval)
        await until('the cursor', () => late.all === 1);
        await poller.stop();
        for (let i = 0; i < CHANGE_LOG_KEEP + 100; i++) await one.tx((r) => r.invalidations.publish(inv([`tok_p${i}`])));
        const rows = await d1.kysely.selectFrom('change_log').select((eb) => eb.fn.countAll().as('n')).executeTakeFirst();
        assert.ok(Number(rows?.n) <= CHANGE_LOG_KEEP + 64, `${rows?.n} rows kept`);
        poller.start();
        await until('the newest rows', () => late.tokens.has(`tok_p${CHANGE_LOG_KEEP + 99}`));
        assert.ok(late.all >= 2, 'dropped everything: it cannot know what the pruned rows said');
        assert.equal(late.tokens.has('tok_p0'), false, 'the oldest rows were pruned');
        await poller.stop();
      });
    }

    test('outbox: renew extends only the leases the owner still holds', async () => {
      const m = { id: 'msg_lease', kind: 'mail', dedupeKey: 'lease-test', payload: {}, createdAt: 1, availableAt: 1 };
      assert.equal(await one.r.outbox.enqueue(m), true);
      const [leased] = await one.tx((r) => r.outbox.lease('w_a', 10, 100, 10));
      assert.equal(leased?.leaseUntil, 110);
      assert.equal(await one.r.outbox.renew(['msg_lease'], 'w_b', 500), 0, 'not the owner');
      assert.equal(await one.r.outbox.renew(['msg_lease'], 'w_a', 500), 1);
      assert.deepEqual(await one.tx((r) => r.outbox.lease('w_b', 200, 100, 10)), [], 'renewed: not due at 200');
      assert.equal(await one.r.outbox.markSent('msg_lease', 'w_a', 300), true);
      assert.equal(await one.r.outbox.renew(['msg_lease'], 'w_a', 900), 0, 'sent: nothing to renew');
      assert.equal(await one.r.outbox.renew([], 'w_a', 900), 0);
    });
  });
}
