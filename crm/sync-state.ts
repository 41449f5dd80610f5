import type { Queryable } from '../platform/postgres.js'

/**
 * Watermarks of the jobs that read ClickHouse (crm-sync, evaluate), kept in Postgres so
 * a flushed Redis loses no place. A job re-reads a short overlap before the watermark
 * (group commits land out of order); applied_events makes the overlap harmless.
 */
export async function readWatermark(db: Queryable, name: string): Promise<Date | undefined> {
  const result = await db.query<{ watermark: Date }>(
    'SELECT watermark FROM crm_sync_state WHERE name = $1',
    [name],
  )
  return result.rows[0]?.watermark
}

/**
 * Moves the watermark forward to `to`, never back: a slow run that finishes after a
 * faster one must not rewind it. Returns the watermark now stored.
 */
export async function advanceWatermark(db: Queryable, name: string, to: Date): Promise<Date> {
  const result = await db.query<{ watermark: Date }>(
    `INSERT INTO crm_sync_state (name, watermark) VALUES ($1, $2)
     ON CONFLICT (name) DO UPDATE
       SET watermark = greatest(crm_sync_state.watermark, excluded.watermark), updated_at = now()
     RETURNING watermark`,
    [name, to],
  )
  return result.rows[0]!.watermark
}
