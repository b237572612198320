import { z } from 'zod';
import { ApiError } from './api-error';

/**
 * One way to page a list, for every list of every service: the response is
 * `{ data, nextCursor }`, and `nextCursor` (null on the last page) goes back as `?cursor=`. The
 * cursor is opaque to clients: the base64url of the last row's sort key, checked against that
 * key's schema when it comes back.
 */

/** The query parameters every list takes: `limit` (at most `max`) and `cursor`. */
export function pageQuery(max = 100, defaultLimit = Math.min(50, max)) {
  return {
    limit: z.coerce.number().int().min(1).max(max).default(defaultLimit),
    cursor: z.string().max(500, 'must be a nextCursor as returned').optional(),
  };
}

export interface Page<T> {
  readonly data: T[];
  readonly nextCursor: string | null;
}

/** The cursor of a row: its sort key, such as `[createdAt, id]`. */
export function encodeCursor(key: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

/** The sort key a cursor carries; 400 `invalid_cursor` when it is not one this API returned. */
export function decodeCursor<K extends readonly unknown[]>(cursor: string, key: z.ZodType<K>): K {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  const result = key.safeParse(parsed);
  if (!result.success) {
    throw new ApiError(
      400,
      'invalid_cursor',
      'The cursor is not one this API returned; pass nextCursor as it came',
    );
  }
  return result.data;
}

/**
 * A page from `limit + 1` rows (fetch one more than asked: its presence says there is a next
 * page), each row shown with `view` and keyed with `keyOf` for the cursor.
 */
export function pageOf<Row, View>(
  rows: readonly Row[],
  limit: number,
  view: (row: Row) => View,
  keyOf: (row: Row) => readonly (string | number)[],
): Page<View> {
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    data: page.map(view),
    nextCursor: rows.length > limit && last !== undefined ? encodeCursor(keyOf(last)) : null,
  };
}

/** The zod schema of a page of `item`s, for the OpenAPI document and the handler's type. */
export function pageResponseOf<T extends z.ZodType>(item: T) {
  return z.object({
    data: z.array(item),
    nextCursor: z
      .string()
      .nullable()
      .describe('Pass as ?cursor= for the next page; null on the last page'),
  });
}
