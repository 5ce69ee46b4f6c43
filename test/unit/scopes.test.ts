import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseScopesFile, ScopeCatalog } from '../../src/core/scopes/catalog.js';

test('implication: manage ⊇ write ⊇ read, execute ⊇ read, * ⊇ everything', () => {
  const c = new ScopeCatalog();
  assert.ok(c.grants(['code:manage'], 'code:read'));
  assert.ok(c.grants(['code:write'], 'code:read'));
  assert.ok(!c.grants(['code:read'], 'code:write'));
  assert.ok(c.grants(['build:execute'], 'build:read'));
  assert.ok(c.grants(['*'], 'audit:read'));
  assert.ok(!c.grants(['tokens:read'], 'tokens:manage'));
  assert.ok(c.grants(['tokens:manage'], 'tokens:read'));
});

test('Azure DevOps aliases normalize; unknown scopes are refused by name', () => {
  const c = new ScopeCatalog();
  assert.deepEqual(c.normalize(['vso.code_write', 'vso.tokens', 'vso.profile', 'code:write']), ['code:write', 'tokens:manage', 'profile:read']);
  assert.throws(() => c.normalize(['code:fly']), (e: { code: string; message: string }) => e.code === 'unknown_scope' && e.message.includes('code:fly'));
  assert.throws(() => c.normalize([]), (e: { code: string }) => e.code === 'validation_failed');
});

test('operator scopes from a file join the catalog with their implications', () => {
  const extra = parseScopesFile([{ id: 'feeds:admin', description: 'x', implies: ['feeds:read'] }, { id: 'feeds:read', description: 'y' }]);
  const c = new ScopeCatalog(extra);
  assert.deepEqual(c.normalize(['feeds:admin']), ['feeds:admin']);
  assert.ok(c.grants(['feeds:admin'], 'feeds:read'));
  assert.throws(() => parseScopesFile([{ id: 'Bad Id' }]));
  assert.throws(() => parseScopesFile({}));
});
