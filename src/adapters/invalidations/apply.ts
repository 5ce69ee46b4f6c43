import type { InvalidationSubscriber } from '../../core/changes.js';
import { decodeInvalidation } from '../storage/repos/invalidations.js';

/** What a transport needs of a logger. */
export interface FeedLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/** While a transport cannot hear other instances, cached checks are trusted this long at most. */
export const DOWN_TTL_MS = 1_000;

/** Applies one message from another Store; its own messages (already applied after its commit) are skipped. */
export function applyMessage(payload: string, origin: string, target: InvalidationSubscriber): void {
  const m = decodeInvalidation(payload);
  if (!m || m.from === origin) return;
  if ('all' in m) target.invalidateAll();
  else target.invalidate(m);
}
