/**
 * PostgreSQL cannot hold U+0000 in text and refuses a query that carries one (SQLSTATE 22021,
 * "invalid byte sequence for encoding UTF8: 0x00"); SQLite takes it. Such a value can only
 * come from a client (a search, a username, a filter), so it is bad input, not a fault.
 */
export function nulInText(err: unknown): boolean {
  return !!err && typeof err === 'object' && (err as { code?: unknown }).code === '22021';
}
