import { spawnSync } from 'node:child_process';

/**
 * Runs this benchmark once per dialect, each in a fresh process: a second server built in the
 * same process runs measurably slower (shared JIT feedback and heap), which would bias
 * whichever dialect goes second. Returns true when it ran the children (the caller exits).
 */
export function perDialectProcess(dialects: string[]): boolean {
  if (dialects.length < 2 || process.env.BENCH_CHILD) return false;
  let code = 0;
  for (const d of dialects) {
    const r = spawnSync(process.execPath, [...process.execArgv, process.argv[1] as string, ...process.argv.slice(2)], {
      stdio: 'inherit', env: { ...process.env, BENCH_DIALECTS: d, BENCH_CHILD: '1' },
    });
    code = Math.max(code, r.status ?? 1);
  }
  process.exitCode = code;
  return true;
}
