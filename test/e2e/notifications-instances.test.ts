import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { makeLogger } from '../../src/adapters/logger.js';
import { loadConfig } from '../../src/config.js';
import { DAY_MS, ManualClock } from '../../src/core/clock.js';
import { newId } from '../../src/core/ids.js';
import { createPatd, type Patd } from '../../src/server.js';
import { createTestDb, dialects } from '../helpers/db.js';
import { T0 } from '../helpers/harness.js';
import { startSmtp } from '../helpers/smtp.js';

const N = 1000;

for (const dialect of await dialects()) {
  // SQLite has one writer: one instance. PostgreSQL: two instances on one database.
  const instances = dialect === 'postgres' ? 2 : 1;
  describe(`expiry warnings with ${instances} instance(s) on one ${dialect} database`, () => {
    test(`${N} expiring tokens: each warning arrives exactly once`, async () => {
      const db = await createTestDb(dialect);
      const smtp = await startSmtp();
      const clock = new ManualClock(T0);
      const config = loadConfig({
        PATD_DATA_DIR: db.dataDir, PATD_DATABASE_URL: db.url, PATD_PORT: '0', PATD_SMTP_URL: smtp.url,
        PATD_SECRET: 'test-secret-test-secret-test-secret-0123', PATD_EXPIRY_WARNING_DAYS: '7',
      });
      const ps: Patd[] = [];
      try {
        for (let i = 0; i < instances; i++) {
          ps.push(await createPatd(config, { clock, logger: makeLogger('silent'), notifications: { scanBatch: 100, outbox: { batch: 25, pollMs: 50 } } }));
        }
        const a = ps[0]!;
        await a.accounts.bootstrap('admin-password-1', 'admin@example.test');
        const owner = await a.accounts.byUsername('admin');
        await a.store.tx(async (r) => {
          for (let i = 0; i < N; i++) {
            await r.tokens.insert({
              id: newId('tok'), userId: owner.id, name: `bulk-${i}`, hint: `patd_…${String(i).padStart(4, '0')}`, scopes: ['profile:read'], orgIds: null,
              createdAt: T0, expiresAt: T0 + 10 * DAY_MS + i * 1_000, lastUsedAt: null, lastUsedIp: null, revokedAt: null, revokedBy: null,
              revokedReason: null, createdVia: 'api', clientName: null, userAgent: null, createdIp: null, version: 1,
            }, `digest-${i}-${newId('tok')}`);
          }
        });
        clock.set(T0 + 3 * DAY_MS + N * 1_000 + 60_000);
        // Both instances scan and deliver at the same time, twice over.
        await Promise.all(ps.flatMap((p) => [p.notifications.scanner.runOnce(), p.notifications.scanner.runOnce()]));
        const drainAll = () => Promise.all(ps.map(async (p) => {
          for (let k = 0; k < 3; k++) await p.notifications.outbox.drain();
        }));
        await drainAll();
        await Promise.all(ps.map((p) => p.notifications.scanner.runOnce()));
        await drainAll();
        const warnings = smtp.mails.filter((m) => /bulk-\d+ expires in 7 days/.test(m.subject));
        const names = warnings.map((m) => m.subject.match(/bulk-\d+/)![0]);
        assert.equal(new Set(names).size, N, `every token warned: ${names.length} mails, ${smtp.mails.length} total, ${JSON.stringify((await a.store.r.outbox.list(null, { limit: 3, cursor: null })).items.map((m) => [m.status, m.attempts, m.lastError]))}`);
        assert.equal(names.length, N, 'no token warned twice');
        const notices = await a.store.r.audit.query({ action: 'token.expired_notice', order: 'asc' }, { limit: 2 * N, cursor: null });
        assert.equal(notices.items.length, N, 'one audit event per warning');
      } finally {
        for (const p of ps) await p.close();
        await smtp.close();
        await db.drop();
      }
    });
  });
}
