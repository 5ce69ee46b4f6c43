#!/usr/bin/env node
// npm runs "prepare" after `npm ci` / `npm install` in a checkout and before `npm pack`.
// With TypeScript installed (dev dependencies), it builds dist/. Without it (`npm ci
// --omit=dev`), it only checks that dist/ was built before: production installs need no compiler.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

const [project = 'tsconfig.json', entry = 'dist/cli/main.js'] = process.argv.slice(2);
let tsc = null;
try {
  tsc = createRequire(`${process.cwd()}/`).resolve('typescript/bin/tsc');
} catch {}
if (tsc) {
  const r = spawnSync(process.execPath, [tsc, '-p', project], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}
if (!existsSync(entry)) {
  process.stderr.write(
    `${entry} is missing and TypeScript is not installed, so it cannot be built here.\n` +
      'Build first with the dev dependencies (npm ci), then npm ci --omit=dev keeps dist/; or install the release tarball (npm pack), which contains dist/.\n',
  );
  process.exit(1);
}
