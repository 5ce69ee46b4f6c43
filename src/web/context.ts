import type { User } from '../core/model.js';

/** The signed-in person looking at a page, and the session's CSRF token every form of theirs posts. */
export interface Viewer {
  user: User;
  csrf: string;
}

/** What every page needs besides its own data. */
export interface PageCtx {
  viewer: Viewer | null;
  /** The server's clock: times are rendered against it (relative times, expiry marks). */
  now: number;
}
