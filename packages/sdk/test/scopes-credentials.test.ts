import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { extractToken, hasScope, inOrg, parseAuthorization } from '../src/index.js';

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

describe('hasScope', () => {
  const cases: Array<[string[], string, boolean]> = [
    [['code:read'], 'code:read', true],
    [['code:write'], 'code:read', true],
    [['code:manage'], 'code:read', true],
    [['code:manage'], 'code:write', true],
    [['code:read'], 'code:write', false],
    [['code:write'], 'code:manage', false],
    [['packaging:manage'], 'packaging:read', true],
    [['packaging:manage'], 'code:read', false],
    [['build:execute'], 'build:read', true],
    [['build:read'], 'build:execute', false],
    [['deploy:execute'], 'deploy:read', false],
    [['tokens:manage'], 'tokens:read', true],
    [['orgs:manage'], 'orgs:read', true],
    [['*'], 'audit:read', true],
    [['*'], 'my-custom-scope', true],
    [['my-custom-scope'], 'my-custom-scope', true],
    [['work:read', 'profile:read'], 'profile:read', true],
    [[], 'profile:read', false],
    [[':manage'], ':read', false],
  ];
  for (const [granted, required, expected] of cases) {
    it(`${JSON.stringify(granted)} ${expected ? '⊇' : '⊉'} ${required}`, () => {
      assert.equal(hasScope(granted, required), expected);
    });
  }
});

describe('inOrg', () => {
  it('accepts listed orgs and global tokens', () => {
    assert.equal(inOrg({ orgs: ['acme'] }, 'acme'), true);
    assert.equal(inOrg({ orgs: ['acme'] }, 'other'), false);
    assert.equal(inOrg({ orgs: '*' }, 'other'), true);
    assert.equal(inOrg({ orgs: [] }, 'acme'), false);
  });
});

describe('extractToken', () => {
  const cases: Array<[string | undefined, string | undefined]> = [
    [`Basic ${b64(':patd_tok')}`, 'patd_tok'],
    [`Basic ${b64('anyone:patd_tok')}`, 'patd_tok'],
    [`basic ${b64('git:patd_tok')}`, 'patd_tok'],
    [`BASIC   ${b64('git:patd_tok')}`, 'patd_tok'],
    [`Basic ${b64('patd_tok:')}`, 'patd_tok'],
    [`Basic ${b64('user:pa:ss')}`, 'pa:ss'],
    [`Basic ${b64('ünïcode:patd_tok')}`, 'patd_tok'],
    ['Bearer patd_tok', 'patd_tok'],
    ['bearer patd_tok', 'patd_tok'],
    ['Bearer  patd_tok ', 'patd_tok'],
    [`Basic ${b64(':')}`, undefined],
    [`Basic ${b64('no-colon')}`, undefined],
    ['Basic !!!', undefined],
    ['Basic', undefined],
    ['Bearer', undefined],
    ['Bearer a b', undefined],
    ['Digest username="x"', undefined],
    ['patd_tok', undefined],
    ['', undefined],
    [undefined, undefined],
  ];
  for (const [header, expected] of cases) {
    it(`${JSON.stringify(header)} → ${expected}`, () => assert.equal(extractToken(header), expected));
  }

  it('tells absent credentials from malformed Basic/Bearer', () => {
    assert.deepEqual(parseAuthorization(undefined), { kind: 'none' });
    assert.deepEqual(parseAuthorization('Negotiate abc'), { kind: 'none' });
    assert.deepEqual(parseAuthorization('Basic %%%'), { kind: 'malformed' });
    assert.deepEqual(parseAuthorization('Bearer'), { kind: 'malformed' });
    assert.deepEqual(parseAuthorization('Bearer t'), { kind: 'token', token: 't', scheme: 'bearer' });
    assert.equal(extractToken(['Bearer first', 'Bearer second']), 'first');
  });
});
