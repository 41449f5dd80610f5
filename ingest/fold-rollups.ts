import { type ClickHouse, queryRows, runCommand } from '../platform/clickhouse.js'
import { loadSql } from '../platform/sql.js'

// Folding committed events into the rollups, off the acknowledgement path (migration
// 0009): ingest's insert returns once `events` has the rows; this turns them into
// usage_daily and daily_active_users (and, through its view, module_daily) in large
// blocks. Progress is a block number of `events`: parts are numbered in commit order.

export interface BacklogPart {
  maxBlock: number
  rows: number
}

/** The committed parts not folded yet, after block `after`, oldest first. */
export async function rollupBacklog(ch: ClickHouse, after: number): Promise<BacklogPart[]> {
  const rows = await queryRows<{ max_block: string; rows: string }>(
    ch,
    loadSql('clickhouse/queries/rollup-backlog'),
    { database: ch.database, after },
  )
  return rows.map((r) => ({ maxBlock: Number(r.max_block), rows: Number(r.rows) }))
}

/** The committed events not folded yet: how many, and when the oldest was received. */
export async function pendingEvents(
  ch: ClickHouse,
  after: number,
): Promise<{ rows: number; oldestMs: number | null }> {
  const [row] = await queryRows<{ rows: string; oldest_ms: string }>(
    ch,
    loadSql('clickhouse/queries/rollup-pending'),
    { after },
  )
  const rows = Number(row?.rows ?? 0)
  return { rows, oldestMs: rows > 0 ? Number(row!.oldest_ms) : null }
}

/**
 * Folds the events of blocks (after, through]. A copy changes no figure. `maxThreads`
 * caps the engine's threads for it; unset, the engine uses every core.
 */
export async function foldBlocks(
  ch: ClickHouse,
  after: number,
  through: number,
  maxThreads?: number,
): Promise<void> {
  const params = { after, through }
  const settings: Record<string, number> =
    maxThreads === undefined ? {} : { max_threads: maxThreads }
  await runCommand(ch, loadSql('clickhouse/queries/fold-usage-daily'), params, settings)
  await runCommand(ch, loadSql('clickhouse/queries/fold-daily-active-users'), params, settings)
}

export interface FoldProgress {
  /** The last block folded. */
  position: number
  rows: number
  parts: number
}

/**
 * Folds what was committed after `after` when it is called, a chunk of at most about
 * `maxRows` rows at a time (a part larger than that is a chunk of its own), so that a
 * large backlog (a backfill, a long stop) never groups more in memory than one chunk.
 * What is committed meanwhile waits for the next call: under steady load a call ends.
 * The chunks come from one look at the parts; a merge since then changes nothing, as
 * each chunk is a range of block numbers, which rows keep through merges.
 */
export async function foldPending(
  ch: ClickHouse,
  options: {
    after: number
    maxRows: number
    /** The engine's threads for each fold (foldBlocks); every core when unset. */
    maxThreads?: number
    onChunk?: (progress: FoldProgress) => void
  },
): Promise<FoldProgress> {
  const progress: FoldProgress = { position: options.after, rows: 0, parts: 0 }
  const backlog = await rollupBacklog(ch, options.after)
  let i = 0
  while (i < backlog.length) {
    let through = progress.position
    let rows = 0
    let parts = 0
    for (; i < backlog.length; i++) {
      const part = backlog[i]!
      if (parts > 0 && rows + part.rows > options.maxRows) break
      through = Math.max(through, part.maxBlock)
      rows += part.rows
      parts++
    }
    await foldBlocks(ch, progress.position, through, options.maxThreads)
    progress.position = through
    progress.rows += rows
    progress.parts += parts
    options.onChunk?.(progress)
  }
  return progress
}

/** Where folding starts on a store with no position yet: what the views folded. */
export async function foldStart(ch: ClickHouse): Promise<number> {
  const [row] = await queryRows<{ position: string }>(
    ch,
    `SELECT greatest(minIf(max_block, kind = 'views'), maxIf(max_block, kind = 'folded')) AS position
     FROM {db:Identifier}.rollup_start`,
  )
  return Number(row?.position ?? 0)
}

/** Records that everything through `position` is folded, for a job that has no position. */
export async function recordFolded(ch: ClickHouse, position: number): Promise<void> {
  await runCommand(
    ch,
    "INSERT INTO {db:Identifier}.rollup_start (kind, max_block) VALUES ('folded', {position:UInt64})",
    { position },
  )
}

/** The uuid of `events`: a table made anew numbers its blocks from 1 again. */
export async function eventsTableUuid(ch: ClickHouse): Promise<string> {
  const [row] = await queryRows<{ uuid: string }>(
    ch,
    "SELECT toString(uuid) AS uuid FROM system.tables WHERE database = {database:String} AND name = 'events'",
    { database: ch.database },
  )
  return row?.uuid ?? ''
}
