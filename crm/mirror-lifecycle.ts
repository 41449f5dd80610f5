import { type ClickHouse, runCommand } from '../platform/clickhouse.js'
import type { Queryable } from '../platform/postgres.js'
import { advanceWatermark, readWatermark } from './sync-state.js'

// The activity log is the truth about each account's lifecycle; rules read it from
// ClickHouse (account_stages), inside their one query, as of their evaluation day.
// This step copies the moves the CRM store committed since its watermark.

export interface MirrorOptions {
  /** How far before the watermark each run reads again: a transaction that began before
   * the last run may commit after it, with a recorded_at older than the watermark. */
  overlapMs: number
  pageSize: number
}

export interface MirrorSummary {
  copied: number
  watermark: string | null
}

interface Move {
  id: string
  tenant_id: string
  at: string
  stage: string
  /** Postgres's own text: a Date would drop the microseconds the keyset compares. */
  recorded_text: string
}

const watermarkName = 'lifecycle-mirror'

/** Copies the lifecycle moves committed since the watermark into account_stages. */
export async function mirrorLifecycle(
  deps: { ch: ClickHouse; db: Queryable },
  options: MirrorOptions,
): Promise<MirrorSummary> {
  const watermark = await readWatermark(deps.db, watermarkName)
  const from = new Date((watermark?.getTime() ?? 0) - options.overlapMs)
  return copyMoves(deps, from, options.pageSize)
}

/**
 * Writes account_stages anew from the whole activity log (`tenantpulse crm mirror
 * --rebuild`): after a restore, a lost ClickHouse, or a store migrated from elsewhere.
 */
export async function rebuildLifecycleMirror(
  deps: { ch: ClickHouse; db: Queryable },
  options: { pageSize: number },
): Promise<MirrorSummary> {
  await runCommand(deps.ch, 'TRUNCATE TABLE IF EXISTS {db:Identifier}.account_stages')
  return copyMoves(deps, new Date(0), options.pageSize)
}

async function copyMoves(
  deps: { ch: ClickHouse; db: Queryable },
  from: Date,
  pageSize: number,
): Promise<MirrorSummary> {
  const summary: MirrorSummary = { copied: 0, watermark: null }
  let after = { recordedAt: from.toISOString(), id: '0' }
  for (;;) {
    // Keyset pages in (recorded_at, id) order. A move is a row that sets a stage: the
    // account's creation, or a transition to another stage.
    const { rows } = await deps.db.query<Move>(
      `SELECT id::text AS id, tenant_id, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.MS') AS at,
         to_state AS stage, recorded_at::text AS recorded_text
       FROM activity_log
       WHERE to_state IS NOT NULL AND from_state IS DISTINCT FROM to_state
         AND (recorded_at, id) > ($1::timestamptz, $2::bigint)
       ORDER BY recorded_at, id
       LIMIT $3`,
      [after.recordedAt, after.id, pageSize],
    )
    if (rows.length === 0) break
    await runCommand(
      deps.ch,
      `INSERT INTO {db:Identifier}.account_stages (tenant_id, at, activity_id, stage)
       SELECT m.1, m.2, m.3, m.4
       FROM (SELECT arrayJoin(arrayZip({tenants:Array(String)},
         {ats:Array(DateTime64(3, 'UTC'))}, {ids:Array(UInt64)}, {stages:Array(String)})) AS m)`,
      {
        tenants: rows.map((r) => r.tenant_id),
        ats: rows.map((r) => r.at),
        // Identity ids stay far below 2^53.
        ids: rows.map((r) => Number(r.id)),
        stages: rows.map((r) => r.stage),
      },
    )
    summary.copied += rows.length
    const last = rows[rows.length - 1]!
    after = { recordedAt: last.recorded_text, id: last.id }
    summary.watermark = (
      await advanceWatermark(deps.db, watermarkName, new Date(last.recorded_text))
    ).toISOString()
    if (rows.length < pageSize) break
  }
  return summary
}
