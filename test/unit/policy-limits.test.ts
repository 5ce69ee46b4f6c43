import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PatdError } from '../../src/core/errors.js';
import { DEFAULT_POLICY } from '../../src/core/model.js';
import { checkSettings } from '../../src/core/policies/token-use.js';
import { limitsFor, type OrgLimits } from '../../src/core/policies/limits.js';

const DAY = 86_400_000;
const orgs: OrgLimits[] = [
  { org: 'acme', displayName: 'Acme', maxLifetimeDays: 90, allowFullAccess: false, allowGlobalTokens: true },
  { org: 'globex', displayName: 'Globex', maxLifetimeDays: null, allowFullAccess: true, allowGlobalTokens: false },
  { org: 'initech', displayName: 'Initech', maxLifetimeDays: 30, allowFullAccess: true, allowGlobalTokens: true },
];

describe('token limits of the chosen orgs (what the token form offers)', () => {
  test('the strictest policy of the chosen orgs and the instance limit', () => {
    assert.deepEqual(limitsFor(orgs, ['globex'], 365), { maxDays: 365, maxDaysBy: null, allowFullAccess: true, fullAccessForbiddenBy: [], allowGlobal: false, globalForbiddenBy: ['globex'] });
    const l = limitsFor(orgs, ['acme', 'initech'], 365);
    assert.equal(l.maxDays, 30);
    assert.equal(l.maxDaysBy, 'initech');
    assert.deepEqual(l.fullAccessForbiddenBy, ['acme']);
    assert.equal(limitsFor(orgs, '*', 365).maxDays, 30, 'a global token is limited by every org');
    assert.equal(limitsFor(orgs, ['globex'], 20).maxDays, 20);
    assert.equal(limitsFor([], '*', 365).allowGlobal, true);
  });

  test('what the limits allow, checkSettings allows; one day more, or full access where forbidden, it refuses', () => {
    const now = Date.UTC(2026, 11, 1);
    const scope = (names: string[] | '*') => orgs.filter((o) => names === '*' || names.includes(o.org))
      .map((o) => ({ orgId: `org_${o.org}`, orgName: o.org, membership: null, policy: { ...DEFAULT_POLICY, maxLifetimeDays: o.maxLifetimeDays, allowFullAccess: o.allowFullAccess, allowGlobalTokens: o.allowGlobalTokens } }));
    const ids = (names: string[]) => names.map((n) => `org_${n}`);
    for (const chosen of [['acme'], ['globex'], ['initech'], ['acme', 'globex'], ['acme', 'initech']]) {
      const l = limitsFor(orgs, chosen, 365);
      checkSettings({ scopes: ['code:read'], orgIds: ids(chosen), expiresAt: now + l.maxDays * DAY }, scope(chosen), now);
      if (l.maxDaysBy) {
        assert.throws(() => checkSettings({ scopes: ['code:read'], orgIds: ids(chosen), expiresAt: now + (l.maxDays + 1) * DAY }, scope(chosen), now), PatdError);
      }
      const full = () => checkSettings({ scopes: ['*'], orgIds: ids(chosen), expiresAt: now + DAY }, scope(chosen), now);
      if (l.allowFullAccess) full();
      else assert.throws(full, PatdError);
    }
    assert.throws(() => checkSettings({ scopes: ['code:read'], orgIds: null, expiresAt: now + DAY }, scope('*'), now), PatdError);
    assert.equal(limitsFor(orgs, '*', 365).allowGlobal, false);
  });
});
