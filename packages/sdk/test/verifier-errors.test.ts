import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { TtlLru, tokenKey } from '../src/cache.js';
import { createVerifier, PatdError, type VerifierOptions } from '../src/index.js';
import { activeAnswer, CLIENT_ID, CLIENT_SECRET, type FakePatd, startFakePatd } from './helpers/fake-patd.js';

let patd: FakePatd;
before(async () => {
  patd = await startFakePatd();
});
after(() => patd.close());
beforeEach(() => {
  patd.tokens.clear();
  patd.requests = 0;
  patd.delayMs = 0;
  patd.failStatus = undefined;
});

const verifierFor = (extra: Partial<VerifierOptions> = {}) =>
  createVerifier({ url: patd.url, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, ...extra });

const isPatdError = (code: string, status?: number) => (err: unknown) =>
  err instanceof PatdError && err.code === code && err.status === status && !err.message.includes('patd_secret');

describe('verifier errors', () => {
  it('throws PatdError(invalid_client) for bad client credentials, and does not cache it', async () => {
    const v = verifierFor({ clientSecret: 'wrong' });
    await assert.rejects(v.verify('patd_secret'), isPatdError('invalid_client', 401));
    await assert.rejects(v.verify('patd_secret'), isPatdError('invalid_client', 401));
    assert.equal(patd.requests, 2);
  });

  it('throws PatdError(bad_status) for a non-200 answer', async () => {
    patd.failStatus = 500;
    const v = verifierFor();
    await assert.rejects(v.verify('patd_secret'), isPatdError('bad_status', 500));
    patd.failStatus = undefined;
    patd.tokens.set('patd_secret', activeAnswer(Date.now()));
    assert.equal((await v.verify('patd_secret')).active, true, 'the failure was not cached');
  });

  it('throws PatdError(network_error) when patd is unreachable or too slow', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const { port } = closed.address() as AddressInfo;
    await new Promise((r) => closed.close(r));
    const down = createVerifier({ url: `http://127.0.0.1:${port}`, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET });
    await assert.rejects(down.verify('patd_secret'), isPatdError('network_error'));
    patd.delayMs = 300;
    await assert.rejects(verifierFor({ timeoutMs: 50 }).verify('patd_secret'), isPatdError('network_error'));
  });

  it('throws PatdError(bad_response) for an answer that is not RFC 7662', async () => {
    const v = verifierFor({ fetch: async () => ({ status: 200, json: async () => ({ active: true, username: 'a' }) }) });
    await assert.rejects(v.verify('patd_secret'), isPatdError('bad_response'));
    const w = verifierFor({ fetch: async () => ({ status: 200, json: async () => [1] }) });
    await assert.rejects(w.verify('patd_secret'), isPatdError('bad_response'));
  });

  it('clear() forgets answers, including one in flight', async () => {
    patd.tokens.set('t', activeAnswer(Date.now()));
    const v = verifierFor();
    await v.verify('t');
    v.clear();
    await v.verify('t');
    assert.equal(patd.requests, 2);
    v.clear();
    patd.delayMs = 30;
    const pending = v.verify('t');
    v.clear(); // e.g. a revocation webhook arrived meanwhile
    assert.equal((await pending).active, true);
    patd.delayMs = 0;
    await v.verify('t');
    assert.equal(patd.requests, 4, 'the answer that raced clear() was not cached');
  });

  it('close() aborts requests in flight and refuses later calls', async () => {
    patd.delayMs = 200;
    const v = verifierFor();
    const pending = v.verify('t');
    v.close?.();
    await assert.rejects(pending, isPatdError('network_error'));
    await assert.rejects(v.verify('t'), isPatdError('closed'));
  });

  it('bounds the cache to maxEntries, dropping the least recently used', async () => {
    const v = verifierFor({ maxEntries: 2 });
    await v.verify('a');
    await v.verify('b');
    await v.verify('a'); // a is now more recent than b
    await v.verify('c'); // evicts b
    assert.equal(patd.requests, 3);
    await v.verify('a');
    assert.equal(patd.requests, 3);
    await v.verify('b');
    assert.equal(patd.requests, 4);
  });

  it('keys the cache by SHA-256 digest, not by token', () => {
    const key = tokenKey('patd_secret');
    assert.equal(key, '0DsmoaAHbAdTnLiO5lnoAzQJ+JuneOHUrUyhDBVj420=');
    const lru = new TtlLru<number>(10);
    lru.set(key, 1, 2_000, 1_000);
    assert.equal(lru.get(key, 1_999), 1);
    assert.equal(lru.get(key, 2_000), undefined);
    assert.equal(lru.size, 0);
  });

  it('cacheTtlMs 0 disables caching but still coalesces', async () => {
    patd.delayMs = 20;
    const v = verifierFor({ cacheTtlMs: 0 });
    await Promise.all([v.verify('a'), v.verify('a')]);
    await v.verify('a');
    assert.equal(patd.requests, 2);
  });
});
