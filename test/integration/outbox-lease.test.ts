import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { systemClock } from '../../src/core/clock.js';
import { dialects } from '../helpers/db.js';
import { ADMIN_PASSWORD, createToken, startTestPatd } from '../helpers/harness.js';
import { startSibling } from '../helpers/sibling.js';
import { startSmtp } from '../helpers/smtp.js';

// The lease is short (so a crash costs little) and renewed while a delivery runs (so a slow
// mail server never makes a second delivery of the same message).
for (const dialect of await dialects()) {
  describe(`outbox lease (${dialect})`, () => {
    test('a delivery that outlasts the lease keeps it, with a second instance polling: one mail, one attempt', async () => {
      const smtp = await startSmtp({ delayMs: 2_500 });
      // Leases are compared with the clock: a real one here, since the delivery takes real time.
      const overrides = { clock: systemClock, notifications: { outbox: { leaseMs: 600, pollMs: 50, backoffMs: 100 } } };
      const p = await startTestPatd(dialect, { env: { PATD_SMTP_URL: smtp.url }, overrides });
      const b = await startSibling(p, { PATD_SMTP_URL: smtp.url }, overrides);
      try {
        await p.listen();
        await b.listen();
        const auth = await p.signIn('admin', ADMIN_PASSWORD);
        await createToken(p, auth, { name: 'slow-server', scopes: ['profile:read'] });
        await smtp.waitFor(1, 10_000);
        // Wait until it is marked sent, then a little longer: an expired lease would be taken again.
        const start = Date.now();
        for (;;) {
          const rows = (await p.store.r.outbox.list(null, { limit: 10, cursor: null })).items.filter((m) => m.kind === 'mail');
          if (rows.length > 0 && rows.every((m) => m.status === 'sent')) {
            assert.deepEqual(rows.map((m) => m.attempts), [1]);
            break;
          }
          assert.ok(Date.now() - start < 10_000, `not sent: ${JSON.stringify(rows.map((m) => [m.status, m.attempts, m.lastError]))}`);
          await new Promise((r) => setTimeout(r, 100));
        }
        await new Promise((r) => setTimeout(r, 500));
        assert.equal(smtp.mails.filter((m) => /slow-server/.test(m.subject)).length, 1);
      } finally {
        await b.close();
        await p.stop();
        await smtp.close();
      }
    });
  });
}
