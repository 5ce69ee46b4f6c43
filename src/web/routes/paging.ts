import { isPatdError } from '../../core/errors.js';

/** Loads a page at `cursor`; a stale or edited cursor (the use case refuses it) gives the first page instead. */
export async function pageAt<T>(cursor: string | null, load: (cursor: string | null) => Promise<T>): Promise<T> {
  try {
    return await load(cursor);
  } catch (e) {
    if (!cursor || !isPatdError(e) || e.code !== 'validation_failed') throw e;
    return load(null);
  }
}

/** The notice a `?done=` value names, from the page's own list (own keys only: `?done=constructor` names nothing). */
export const noticeOf = (notices: Readonly<Record<string, string>>, key: string | undefined): string | undefined =>
  key !== undefined && Object.hasOwn(notices, key) ? notices[key] : undefined;
