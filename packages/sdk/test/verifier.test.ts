import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { createVerifier, type VerifierOptions } from '../src/index.js';
import { activeAnswer, CLIENT_ID, CLIENT_SECRET, type FakePatd, startFakePatd } from './helpers/fake-patd.js';

const T0 = 1_800_000_000_000;
let patd: FakePatd;
let clock = T0;

before(async () => {
  patd = await startFakePatd();
});
after(() => patd.close());
beforeEach(() => {
  patd.tokens.clear();
  patd.requests = 0;
  patd.delayMs = 0;
  patd.failStatus = undefined;
  clock = T0;
});

const verifierFor = (extra: Partial<VerifierOptions> = {}) =>
  createVerifier({ url: `${patd.url}/`, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, now: () => clock, ...extra });

describe('createVerifier', () => {
  it('maps an active answer and sends the RFC 7662 form', async () => {
    patd.tokens.set('patd_good', activeAnswer(T0));
    const r = await verifierFor().verify('patd_good');
    assert.deepEqual(r, {
      active: true,
      username: 'alice',
      userId: 'u_123',
      tokenId: 'tok_1',
      scopes: ['code:write', 'packaging:read'],
      orgs: ['acme'],
      exp: T0 / 1000 + 3600,
      iat: T0 / 1000,
      clientId: CLIENT_ID,
    });
    assert.equal(patd.lastForm?.get('token'), 'patd_good');
    assert.equal(patd.lastForm?.get('token_type_hint'), 'pat');
    assert.ok(Object.isFrozen(r), 'cached results are shared, so frozen');
  });

  it('treats "*" in orgs as a global token', async () => {
    patd.tokens.set('a', activeAnswer(T0, { orgs: '*' }));
    patd.tokens.set('b', activeAnswer(T0, { orgs: ['acme', '*'] }));
    const v = verifierFor();
    assert.equal(((await v.verify('a')) as { orgs: unknown }).orgs, '*');
    assert.equal(((await v.verify('b')) as { orgs: unknown }).orgs, '*');
    assert.deepEqual(await v.verify('b', { org: 'anything' }), await v.verify('b'));
  });

  it('caches answers until cacheTtlMs has passed', async () => {
    patd.tokens.set('patd_good', activeAnswer(T0));
    const v = verifierFor({ cacheTtlMs: 10_000 });
    for (let i = 0; i < 5; i++) assert.equal((await v.verify('patd_good')).active, true);
    assert.equal(patd.requests, 1);
    clock = T0 + 9_999;
    await v.verify('patd_good');
    assert.equal(patd.requests, 1);
    clock = T0 + 10_000;
    await v.verify('patd_good');
    assert.equal(patd.requests, 2, 'expired entry is fetched again');
  });

  it('never serves a cached answer past the token exp', async () => {
    patd.tokens.set('short', activeAnswer(T0, {}, 3));
    const v = verifierFor({ cacheTtlMs: 60_000 });
    await v.verify('short');
    clock = T0 + 2_999;
    await v.verify('short');
    assert.equal(patd.requests, 1);
    clock = T0 + 3_000;
    patd.tokens.delete('short'); // patd now says it is expired
    assert.deepEqual(await v.verify('short'), { active: false });
    assert.equal(patd.requests, 2);
  });

  it('caches inactive answers for cacheTtlMs too', async () => {
    const v = verifierFor({ cacheTtlMs: 1_000 });
    assert.deepEqual(await v.verify('patd_unknown'), { active: false });
    assert.deepEqual(await v.verify('patd_unknown'), { active: false });
    assert.equal(patd.requests, 1);
    clock = T0 + 1_000;
    patd.tokens.set('patd_unknown', activeAnswer(T0));
    assert.equal((await v.verify('patd_unknown')).active, true);
    assert.equal(patd.requests, 2);
  });

  it('coalesces concurrent lookups of one token into one request', async () => {
    patd.tokens.set('patd_good', activeAnswer(T0));
    patd.delayMs = 50;
    const v = verifierFor();
    const results = await Promise.all(Array.from({ length: 25 }, () => v.verify('patd_good')));
    assert.equal(patd.requests, 1);
    assert.ok(results.every((r) => r === results[0] && r.active));
    await Promise.all([v.verify('x1'), v.verify('x2'), v.verify('x1')]);
    assert.equal(patd.requests, 3, 'different tokens are separate requests');
  });

  it('applies scope and org checks of verify(token, opts)', async () => {
    patd.tokens.set('patd_good', activeAnswer(T0));
    const v = verifierFor();
    assert.equal((await v.verify('patd_good', { scope: 'code:read', org: 'acme' })).active, true);
    assert.deepEqual(await v.verify('patd_good', { scope: 'code:manage' }), { active: false, reason: 'insufficient_scope' });
    assert.deepEqual(await v.verify('patd_good', { org: 'other' }), { active: false, reason: 'org_forbidden' });
    assert.equal(patd.requests, 1);
  });

  it('answers inactive for an empty or oversized token without asking patd', async () => {
    const v = verifierFor();
    assert.deepEqual(await v.verify(''), { active: false });
    assert.deepEqual(await v.verify('x'.repeat(5000)), { active: false });
    assert.equal(patd.requests, 0);
  });
});
