import { validationFailed } from '../errors/problem.exception.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Opaque cursors of newest-first lists. A cursor names the last item returned; the next page is
 * every row ordered after it by (created_at, id), compared in SQL at full timestamp precision.
 */
export function encodeCursor(lastId: string): string {
  return Buffer.from(`v1:${lastId}`).toString('base64url');
}

/** Decodes a cursor; one this API did not issue is a 422 on `cursor`. */
export function decodeCursor(cursor: string | undefined): string | undefined {
  if (cursor === undefined) return undefined;
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const id = text.startsWith('v1:') ? text.slice(3) : '';
  if (!UUID.test(id))
    throw validationFailed([{ field: 'cursor', message: 'cursor is not one this API returned' }]);
  return id;
}

/** `{ items, nextCursor }` from a page fetched with limit + 1 rows. */
export function page<Row extends { id: string }, Item>(
  rows: Row[],
  limit: number,
  map: (row: Row) => Item,
): { items: Item[]; nextCursor: string | null } {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return { items: items.map(map), nextCursor: rows.length > limit && last ? encodeCursor(last.id) : null };
}

/** Cursors of lists ordered by a position number (chunks by index). */
export function encodeIndexCursor(index: number): string {
  return Buffer.from(`i1:${index}`).toString('base64url');
}

export function decodeIndexCursor(cursor: string | undefined): number | undefined {
  if (cursor === undefined) return undefined;
  const match = /^i1:(\d{1,6})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match) throw validationFailed([{ field: 'cursor', message: 'cursor is not one this API returned' }]);
  return Number(match[1]);
}
