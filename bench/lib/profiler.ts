import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';

/**
 * Start/stop hooks that profile this process (the server) over a measured window only, writing
 * DIR/FILE as a V8 .cpuprofile (summarise with `node --import tsx bench/lib/cpuprofile.ts`).
 * No directory (BENCH_CPU_PROF unset): no hooks.
 */
export function profiler(dir: string, file: string): { onMeasureStart?: () => Promise<void>; onMeasureEnd?: () => Promise<void> } {
  if (!dir) return {};
  const session = new Session();
  return {
    async onMeasureStart() {
      session.connect();
      await session.post('Profiler.enable');
      await session.post('Profiler.setSamplingInterval', { interval: 100 });
      await session.post('Profiler.start');
    },
    async onMeasureEnd() {
      const { profile } = await session.post('Profiler.stop');
      session.disconnect();
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, file), JSON.stringify(profile));
    },
  };
}
