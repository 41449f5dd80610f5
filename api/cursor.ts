import { z } from 'zod'
import { AppError } from '../platform/errors.js'

/**
 * Keyset pagination: a cursor is the sort key of the last row served, and the next
 * page starts strictly after it. Rows inserted meanwhile fall either before the cursor
 * (not served in this walk) or after it (served once), so a walk never repeats or
 * skips a row that existed when it started. The cursor is opaque to clients
 * (base64url JSON) so the key can change without breaking them.
 */
export function encodeCursor(key: Record<string, string | number>): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url')
}

export function decodeCursor<T>(cursor: string, schema: z.ZodType<T>): T {
  let parsed: unknown
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
  } catch {
    parsed = undefined
  }
  const result = schema.safeParse(parsed)
  if (!result.success) {
    throw new AppError('API_INVALID_CURSOR', 'the cursor is not one this API issued')
  }
  return result.data
}

/** A bigint id as the decimal text both Postgres engines return. */
export const idText = z.string().regex(/^[1-9][0-9]{0,18}$/, 'an id')

/** Cursors over `id` alone (newest or oldest first). */
export const idCursor = z.object({ i: idText })

export const pageQuery = {
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().min(1).max(512).optional(),
}

/**
 * Fetches limit + 1 rows to know whether another page follows, then drops the extra
 * one; the cursor is made from the last row served.
 */
export function toPage<Row, Item>(
  rows: Row[],
  limit: number,
  item: (row: Row) => Item,
  key: (row: Row) => Record<string, string | number>,
): { items: Item[]; nextCursor: string | null } {
  const served = rows.slice(0, limit)
  const last = served.at(-1)
  return {
    items: served.map(item),
    nextCursor: rows.length > limit && last !== undefined ? encodeCursor(key(last)) : null,
  }
}
