import { PatdError } from '../../../core/errors.js';
import type { Page } from '../../../core/model.js';

export interface Cursor {
  at: number;
  id: string;
}

export function encodeCursor(c: Cursor): string {
  return Buffer.from(`${c.at}.${c.id}`).toString('base64url');
}

export function decodeCursor(s: string | null): Cursor | null {
  if (!s) return null;
  const raw = Buffer.from(s, 'base64url').toString();
  const dot = raw.indexOf('.');
  const at = Number(raw.slice(0, dot));
  const id = raw.slice(dot + 1);
  if (dot < 1 || !Number.isSafeInteger(at) || !id) throw new PatdError('validation_failed', 'cursor is not valid', { field: 'cursor' });
  return { at, id };
}

/** Rows were fetched with limit+1: the extra row says whether there is a next page. */
export function toPage<R, T>(rows: R[], limit: number, map: (r: R) => T, key: (r: R) => Cursor): Page<T> {
  const more = rows.length > limit;
  const items = more ? rows.slice(0, limit) : rows;
  const last = items[items.length - 1];
  return { items: items.map(map), nextCursor: more && last ? encodeCursor(key(last)) : null };
}
