import type { ClickHouse } from '../platform/clickhouse.js'
import { encodeEventRows, eventColumns } from './encode-rows.js'
import type { EventRow, RejectedRow } from './event-row.js'

export interface PendingBatch {
  /** The events as TabSeparated rows (encodeEventRows). */
  events: Buffer
  eventCount: number
  rejectedRows: RejectedRow[]
}

/**
 * A request's rows, encoded at once. The rows hold the request's parsed JSON; encoded,
 * it can go before the wait for the group commit, while it is still in the young
 * generation, which the collector clears for next to nothing (bench:ingest: GC).
 */
export function pendingBatch(rows: readonly EventRow[], rejectedRows: RejectedRow[]): PendingBatch {
  return {
    events: rows.length > 0 ? Buffer.from(encodeEventRows(rows)) : empty,
    eventCount: rows.length,
    rejectedRows,
  }
}

const empty = Buffer.alloc(0)

// Pinned so that a server's defaults cannot change what an acknowledgement means: the
// insert returns only once the rows are in parts on disk (no server-side buffering).
const insertSettings = {
  async_insert: 0,
  wait_for_async_insert: 1,
  input_format_json_read_objects_as_strings: 1,
} as const

/**
 * Writes the requests of one group commit: their events, then their refused events.
 * A retry after a failure may write some rows twice; the tables are built so that a
 * copy changes no figure (see sql/clickhouse/0001_events.sql).
 */
export async function commitBatches(ch: ClickHouse, batches: PendingBatch[]): Promise<void> {
  const events =
    batches.length === 1 ? batches[0]!.events : Buffer.concat(batches.map((b) => b.events))
  const rejected = batches.flatMap((b) => b.rejectedRows)
  if (events.length > 0) await insertEncodedEvents(ch, events)
  if (rejected.length > 0) {
    await ch.client.insert({
      table: `${ch.database}.rejected_events`,
      values: rejected,
      format: 'JSONEachRow',
      clickhouse_settings: insertSettings,
    })
  }
}

/**
 * Inserts events that encodeEventRows already turned into TabSeparated text, with the
 * group commit's settings. The simulator's backfill encodes in worker threads and hands
 * the text over: 50,000 row objects would cost more to pass (structured clone) than to
 * encode. `table` is for bench:ingest, which also writes a copy of events with no views.
 */
export async function insertEncodedEvents(
  ch: ClickHouse,
  text: Uint8Array,
  table = 'events',
): Promise<void> {
  await ch.insertEncoded({
    table: `${ch.database}.${table}`,
    columns: eventColumns,
    format: 'TabSeparated',
    body: Buffer.from(text.buffer, text.byteOffset, text.byteLength),
    settings: insertSettings,
  })
}
