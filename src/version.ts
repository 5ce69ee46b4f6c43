import { readFileSync } from 'node:fs';

/** The package version (package.json beside dist/ or src/), shown by `--version`. */
export const VERSION: string = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
