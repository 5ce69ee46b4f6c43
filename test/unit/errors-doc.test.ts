import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { ERROR_CODES } from '../../src/core/errors.js';

test('every error code is documented in docs/errors.md with its status', () => {
  const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
  for (const [code, { status }] of Object.entries(ERROR_CODES)) {
    const row = doc.split('\n').find((l) => l.startsWith(`| \`${code}\``));
    assert.ok(row, `docs/errors.md lacks a row for ${code}`);
    assert.ok(row.includes(`| ${status} |`), `docs/errors.md gives the wrong status for ${code}`);
  }
});
