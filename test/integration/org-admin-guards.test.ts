import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Caller } from '../../src/core/model.js';
import { dialects } from '../helpers/db.js';
import { startTestPatd, type TestPatd } from '../helpers/harness.js';
import { type OrgWorld, orgWorld, publicResolver } from '../helpers/org-admin.js';

/**
 * The use cases behind the org admin pages check the admin role themselves (guards inside):
 * an OrgAccess resolved for a member is refused by each, whatever a handler does.
 */
for (const dialect of await dialects()) {
  describe(`org admin use cases refuse a member's OrgAccess (${dialect})`, () => {
    let p: TestPatd;
    let w: OrgWorld;
    before(async () => {
      p = await startTestPatd(dialect, { overrides: { webhookResolver: publicResolver } });
      w = await orgWorld(p);
    });
    after(() => p.stop());

    const callerOf = async (username: string): Promise<Caller> => ({ user: await p.accounts.byUsername(username), token: null, ip: '127.0.0.1', userAgent: null });
    const forbidden = (e: unknown) => (e as { code?: string }).code === 'forbidden';

    test('audit, webhooks and one token of the org', async () => {
      const mia = await callerOf('mia');
      const a = await p.orgs.access(mia, 'acme');
      const q = { limit: 10, cursor: null };
      await assert.rejects(p.notifications.audit.forOrg(a, {}, q), forbidden);
      await assert.rejects(p.notifications.webhooks.list(a, q), forbidden);
      await assert.rejects(p.notifications.webhooks.one(a, w.webhookId), forbidden);
      await assert.rejects(p.notifications.webhooks.deliveries(a, w.webhookId, q), forbidden);
      await assert.rejects(p.notifications.webhooks.delete(mia, a, w.webhookId), forbidden);
      await assert.rejects(p.notifications.webhooks.create(mia, a, { url: 'https://hooks.example.com/m' }), forbidden);
      await assert.rejects(p.tokens.getInOrg(a, w.miaToken.id), forbidden);
      // An admin's access, handed to another caller, is refused too.
      const adam = await callerOf('adam');
      const b = await p.orgs.access(adam, 'acme', 'admin');
      await assert.rejects(p.notifications.webhooks.delete(mia, b, w.webhookId), forbidden);
      assert.equal((await p.notifications.webhooks.one(b, w.webhookId)).description, 'SIEM');
      assert.equal((await p.tokens.getInOrg(b, w.miaToken.id)).name, 'mia laptop');
    });

    test('the policy keeps the API schema bounds in the use case', async () => {
      const olivia = await callerOf('olivia');
      const a = await p.orgs.access(olivia, 'acme', 'admin');
      for (const bad of [{ revokeUnusedDays: 0 }, { revokeUnusedDays: 3651 }, { revokeUnusedDays: 1.5 }, { maxLifetimeDays: 2.5 }, { ipAllowlist: Array(201).fill('10.0.0.1') }]) {
        await assert.rejects(p.orgs.putPolicy(olivia, a, bad), (e: { code?: string }) => e.code === 'validation_failed', JSON.stringify(bad).slice(0, 60));
      }
      assert.equal((await p.orgs.putPolicy(olivia, a, { revokeUnusedDays: 3650 })).revokeUnusedDays, 3650);
    });
  });
}
