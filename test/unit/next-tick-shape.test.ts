import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

/**
 * V8's own view of process.nextTick's object literal (%DebugPrint lists the inline caches of its
 * feedback vector): after full garbage collections at moments when no tick is queued, every
 * DefineKeyedOwnPropertyInLiteral cache must still be MONOMORPHIC. Without keepNextTickShape()
 * they end MEGAMORPHIC on Node 20 and on Node 24.
 */
test('process.nextTick keeps one shape through idle garbage collections once patd has started', () => {
  const dir = mkdtempSync(join(tmpdir(), 'patd-tick-'));
  const script = join(dir, 'tick.mjs');
  writeFileSync(script, `
    import { keepNextTickShape } from ${JSON.stringify(new URL('../../src/adapters/next-tick-shape.ts', import.meta.url).href)};
    keepNextTickShape();
    const noop = () => {};
    for (let i = 0; i < 6; i++) {
      for (let j = 0; j < 50; j++) process.nextTick(noop);
      await new Promise((r) => setImmediate(r));
      globalThis.gc();
    }
    for (let j = 0; j < 500; j++) process.nextTick(noop);
    await new Promise((r) => setImmediate(r));
    %DebugPrint(process.nextTick);
  `);
  // V8 prints to the C library's stdout: into a file, which keeps all of it at exit (a pipe may not).
  const out = join(dir, 'debug-print.txt');
  const fd = openSync(out, 'w');
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--allow-natives-syntax', '--expose-gc', script], { stdio: ['ignore', fd, 'pipe'], encoding: 'utf8', timeout: 60_000 });
  closeSync(fd);
  assert.equal(r.status, 0, r.stderr);
  const printed = readFileSync(out, 'utf8');
  const states = [...printed.matchAll(/DefineKeyedOwnPropertyInLiteral (\w+)/g)].map((m) => m[1]);
  assert.ok(states.length >= 3, `no literal caches in V8's output:\n${printed.slice(0, 2000)}`);
  assert.deepEqual(states.filter((s) => s !== 'MONOMORPHIC'), [], states.join(' '));
});
