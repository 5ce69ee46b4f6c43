import { createHook } from 'node:async_hooks';

let kept: object | undefined;

/**
 * Keeps one of `process.nextTick`'s queue entries alive for the life of the process.
 *
 * Node builds each entry from one object literal (`{ [async_id_symbol]: …,
 * [trigger_async_id_symbol]: …, callback, args }`), and V8 holds the hidden classes of such
 * literals weakly. When a full garbage collection runs while no tick is queued (an idle moment
 * between patd's background jobs is enough), they are collected; the next tick builds new ones,
 * the literal's inline caches see yet another shape, and after four of them they go
 * megamorphic. From then on every nextTick (about five per HTTP request, inside Node's streams)
 * defines its four properties through the V8 runtime: about 25% of patd's throughput on
 * Node 20 (docs/architecture.md, "The hot path"). One entry kept alive keeps its shapes, so the
 * caches stay monomorphic. test/unit/next-tick-shape.test.ts checks it with V8's own view.
 */
export function keepNextTickShape(): void {
  if (kept) return;
  const hook = createHook({
    init(_id, type, _trigger, resource) {
      if (type === 'TickObject') kept ??= resource;
    },
  });
  hook.enable();
  try {
    process.nextTick(() => {});
  } finally {
    hook.disable();
  }
}
