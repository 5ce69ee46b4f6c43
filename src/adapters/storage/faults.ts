/**
 * Tells a database that is (for now) not answering from anything else that can go wrong: the
 * first answers 503 `unavailable` with Retry-After, the second stays a 500. The one place that
 * knows the drivers' error shapes (pg, node sockets, better-sqlite3).
 */

export interface StorageFault {
  /** What a client should be told to wait, in seconds. */
  retryAfter: number;
  /** A short name for the log (the driver's code). */
  reason: string;
}

// PostgreSQL SQLSTATEs: connection exceptions (class 08), the server shutting down or starting
// (57P0x), out of resources (class 53), and transactions it aborted to resolve a conflict.
const PG_CODES = new Set([
  '08000', '08001', '08003', '08004', '08006', '08007', '57P01', '57P02', '57P03', '57P05',
  '53000', '53100', '53200', '53300', '40001', '40P01',
]);
const NET_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN',
]);
// node-postgres reports a lost or unusable connection with these messages and no code.
const PG_MESSAGES = [
  'Connection terminated', 'not queryable', 'timeout exceeded when trying to connect', 'not currently accepting connections',
];
// better-sqlite3: another process holds the lock, the disk is full or failing, the file cannot be opened.
const SQLITE_PREFIXES = ['SQLITE_BUSY', 'SQLITE_LOCKED', 'SQLITE_FULL', 'SQLITE_IOERR', 'SQLITE_CANTOPEN', 'SQLITE_READONLY', 'SQLITE_PROTOCOL', 'SQLITE_NOMEM'];

function classify(e: unknown, depth: number): StorageFault | null {
  if (!e || typeof e !== 'object' || depth > 4) return null;
  const { code, message, errors, cause } = e as { code?: unknown; message?: unknown; errors?: unknown; cause?: unknown };
  if (typeof code === 'string') {
    if (code.startsWith('SQLITE_')) {
      if (!SQLITE_PREFIXES.some((p) => code.startsWith(p))) return null;
      return { retryAfter: code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED') ? 1 : 5, reason: code };
    }
    if (PG_CODES.has(code) || NET_CODES.has(code)) return { retryAfter: code.startsWith('40') ? 1 : 5, reason: code };
    if (code === '55000' && typeof message === 'string' && message.includes('not currently accepting connections')) return { retryAfter: 5, reason: code };
  }
  if (typeof message === 'string' && code === undefined && PG_MESSAGES.some((m) => message.includes(m))) return { retryAfter: 5, reason: 'connection' };
  // Connecting to a name with several addresses fails with an AggregateError of socket errors.
  if (Array.isArray(errors)) for (const x of errors) {
    const f = classify(x, depth + 1);
    if (f) return f;
  }
  return classify(cause, depth + 1);
}

/** The fault when `err` says the database is unreachable, busy or out of space; null for anything else. */
export function storageFault(err: unknown): StorageFault | null {
  return classify(err, 0);
}
