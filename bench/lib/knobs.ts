/** The environment knobs every HTTP benchmark shares; each benchmark gives its own defaults. */
export function benchKnobs(defaults: { rounds: number; logLevel: string }) {
  const env = process.env;
  return {
    dialects: (env.BENCH_DIALECTS ?? 'sqlite,postgres').split(',').map((s) => s.trim()) as ('sqlite' | 'postgres')[],
    rounds: Number(env.BENCH_ROUNDS ?? defaults.rounds),
    warmup: Number(env.BENCH_WARMUP ?? 2),
    duration: Number(env.BENCH_DURATION ?? 8),
    connections: Number(env.BENCH_CONNECTIONS ?? 50),
    logLevel: env.BENCH_LOG_LEVEL ?? defaults.logLevel,
    pgAdminUrl: env.PATD_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    /** `patd` or `bare`: run only that load (e.g. when profiling). */
    only: env.BENCH_ONLY ?? '',
  };
}
