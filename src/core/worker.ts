/** A background task with a lifecycle (usage flush, outbox worker, expiry scan, …). */
export interface Worker {
  name: string;
  start(): void;
  stop(): Promise<void>;
}

/** What a worker needs of a logger. */
export interface ErrorLog {
  error(obj: object, msg: string): void;
}

/** Runs `fn` every `ms`, never overlapping itself; errors are logged, never thrown. */
export function intervalWorker(name: string, ms: number, fn: () => Promise<unknown>, log: ErrorLog): Worker {
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<unknown> | null = null;
  const tick = () => {
    running ??= fn().catch((err) => log.error({ err, worker: name }, 'worker failed')).finally(() => {
      running = null;
    });
  };
  return {
    name,
    start() {
      timer ??= setInterval(tick, ms);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = null;
      await running;
    },
  };
}
