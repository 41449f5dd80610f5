import { eventsTableUuid, foldPending, foldStart, pendingEvents } from '../ingest/fold-rollups.js'
import type { ClickHouse } from '../platform/clickhouse.js'
import type { Queryable } from '../platform/postgres.js'

export interface RollupRun {
  /** Rows of the parts of `events` this run read (a merged part counts whole), and parts. */
  rows: number
  parts: number
  /** The last block of `events` folded. */
  position: number
  /** How long ago the oldest event not yet folded was received, when the run began. */
  lagSeconds: number
  /** Events that were waiting when the run began. */
  pendingRows: number
}

const positionName = 'events'

/**
 * The rollups job: folds what ingest committed since the stored position into the
 * rollups. Safe to run twice at once or after a crash: a part folded twice adds copies
 * to sets that already hold them, and the position only moves forward. Every
 * evaluation runs it first, so the rules read the events committed before it started.
 */
export async function runRollups(
  deps: { ch: ClickHouse; db: Queryable },
  options: {
    maxRows: number
    /**
     * The engine's threads for the fold. The job runs beside ingest, whose inserts and
     * event loop it would otherwise take every core from for the length of a fold.
     */
    maxThreads?: number
    now?: number
  },
): Promise<RollupRun> {
  const { ch, db } = deps
  const uuid = await eventsTableUuid(ch)
  const { rows } = await db.query<{ table_uuid: string; position: string }>(
    'SELECT table_uuid, position::text AS position FROM rollup_position WHERE name = $1',
    [positionName],
  )
  const stored = rows[0]
  const after = stored?.table_uuid === uuid ? Number(stored.position) : await foldStart(ch)
  const pending = await pendingEvents(ch, after)
  const now = options.now ?? Date.now()
  const progress = await foldPending(ch, {
    after,
    maxRows: options.maxRows,
    maxThreads: options.maxThreads,
  })
  if (progress.position !== after || stored?.table_uuid !== uuid) {
    await db.query(
      `INSERT INTO rollup_position (name, table_uuid, position) VALUES ($1, $2, $3)
       ON CONFLICT (name) DO UPDATE SET
         position = CASE WHEN rollup_position.table_uuid = excluded.table_uuid
                         THEN greatest(rollup_position.position, excluded.position)
                         ELSE excluded.position END,
         table_uuid = excluded.table_uuid, updated_at = now()`,
      [positionName, uuid, progress.position],
    )
  }
  return {
    rows: progress.rows,
    parts: progress.parts,
    position: progress.position,
    lagSeconds: pending.oldestMs === null ? 0 : Math.max(0, (now - pending.oldestMs) / 1000),
    pendingRows: pending.rows,
  }
}
