import assert from 'node:assert/strict';
import { test } from 'node:test';
import { usernameBase, usernameCandidates } from '../../src/core/accounts/oidc.js';
import { NAME_RE } from '../../src/core/validate.js';

test('usernames from OIDC claims fit the username rule', () => {
  const cases: [string | null, string | null, string][] = [
    ['Alice', null, 'alice'],
    ['alice@contoso.example', 'x@y.z', 'alice'],
    [null, 'Frank.Jones+patd@corp.example', 'frank.jones-patd'],
    ['José Ñúñez', null, 'jose-nunez'],
    ['__admin__', null, 'admin'],
    ['日本語', 'kenji@corp.example', 'kenji'],
    ['日本語', null, 'user'],
    [null, null, 'user'],
    ['a'.repeat(60), null, 'a'.repeat(39)],
    ['first.last.', null, 'first.last'],
  ];
  for (const [preferredUsername, email, want] of cases) {
    const got = usernameBase({ preferredUsername, email });
    assert.equal(got, want, `${preferredUsername} / ${email}`);
    assert.match(got, NAME_RE);
  }
});

test('clashes get -2, -3 … within 39 characters, then random suffixes', () => {
  const it = usernameCandidates('a'.repeat(39));
  const first = Array.from({ length: 105 }, () => it.next().value as string);
  assert.deepEqual(first.slice(0, 3), ['a'.repeat(39), `${'a'.repeat(37)}-2`, `${'a'.repeat(37)}-3`]);
  assert.equal(first[99], `${'a'.repeat(35)}-100`);
  assert.equal(new Set(first).size, first.length);
  for (const u of first) assert.match(u, NAME_RE);
  assert.match(first[104]!, /^a{32}-[a-z0-9]{6}$/);
});
