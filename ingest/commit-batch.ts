import type { ClickHouse } from '../platform/clickhouse.js'
import { encodeEventRows, eventColumns } from './encode-rows.js'
import type { EventRow, RejectedRow } from './event-row.js'

export interface PendingBatch {
  /** The events as TabSeparated rows (encodeEventRows). */
  events: Buffer
  /** Those of them that the views of rare events read (feedsViews), encoded alike. */
  feed: Buffer
  eventCount: number
  rejectedRows: RejectedRow[]
}

/**
 * A request's rows, encoded at once. The rows hold the request's parsed JSON; encoded,
 * it can go before the wait for the group commit, while it is still in the young
 * generation, which the collector clears for next to nothing (bench:ingest: GC).
 */
export function pendingBatch(rows: readonly EventRow[], rejectedRows: RejectedRow[]): PendingBatch {
  const feed = rows.filter(feedsViews)
  return {
    events: rows.length > 0 ? Buffer.from(encodeEventRows(rows)) : empty,
    feed: feed.length > 0 ? Buffer.from(encodeEventRows(feed)) : empty,
    eventCount: rows.length,
    rejectedRows,
  }
}

/**
 * Whether a row is one the views on events_feed take (sql/clickhouse/0011): the union
 * of their filters, which they still apply, so a wider test would only cost time.
 */
export function feedsViews(row: Pick<EventRow, 'type' | 'kind'>): boolean {
  return row.type === 'group' || row.type === 'identify' || row.kind === 'lifecycle'
}

const empty = Buffer.alloc(0)

const rejectedColumns = [
  'received_at',
  'write_key_id',
  'reason',
  'detail',
  'message_id',
  'payload',
] as const satisfies ReadonlyArray<keyof RejectedRow>

// Pinned so that a server's defaults cannot change what an acknowledgement means: the
// insert returns only once the rows are in parts on disk (no server-side buffering).
const insertSettings = {
  async_insert: 0,
  wait_for_async_insert: 1,
  input_format_json_read_objects_as_strings: 1,
} as const

/**
 * Writes the requests of one group commit: their events (and the rows of them that feed
 * the views of rare events), then their refused events. A retry after a failure may
 * write some rows twice; the tables are built so that a copy changes no figure (see
 * sql/clickhouse/0001_events.sql).
 */
export async function commitBatches(ch: ClickHouse, batches: PendingBatch[]): Promise<void> {
  const join = (part: (b: PendingBatch) => Buffer) =>
    batches.length === 1 ? part(batches[0]!) : Buffer.concat(batches.map(part))
  const events = join((b) => b.events)
  const rejected = batches.flatMap((b) => b.rejectedRows)
  if (events.length > 0) await insertEncodedEvents(ch, events, { feed: join((b) => b.feed) })
  // Through insertEncoded like the events, so that no query on the engine's shared
  // connection holds this commit up (platform/clickhouse.ts).
  if (rejected.length > 0) {
    await ch.insertEncoded({
      table: `${ch.database}.rejected_events`,
      columns: rejectedColumns,
      format: 'JSONEachRow',
      body: Buffer.from(rejected.map((r) => JSON.stringify(r)).join('\n')),
      settings: insertSettings,
    })
  }
}

export interface InsertEncodedOptions {
  /**
   * The rows of `text` that feed the views of rare events (feedsViews), encoded alike.
   * Default: all of `text`, which the views filter themselves; right for a bulk load,
   * where one more parse of the rows costs little beside the insert, but a writer of
   * many small inserts should pass only those rows, usually none.
   */
  feed?: Uint8Array
  /** For bench:ingest, which also writes a copy of events that feeds nothing. */
  table?: string
}

/**
 * Inserts events that encodeEventRows already turned into TabSeparated text, with the
 * group commit's settings, then their rows that feed views into events_feed. The
 * simulator's backfill encodes in worker threads and hands the text over: 50,000 row
 * objects would cost more to pass (structured clone) than to encode.
 */
export async function insertEncodedEvents(
  ch: ClickHouse,
  text: Uint8Array,
  options: InsertEncodedOptions = {},
): Promise<void> {
  const insert = (table: string, rows: Uint8Array) =>
    ch.insertEncoded({
      table: `${ch.database}.${table}`,
      columns: eventColumns,
      format: 'TabSeparated',
      body: Buffer.from(rows.buffer, rows.byteOffset, rows.byteLength),
      settings: insertSettings,
    })
  const table = options.table ?? 'events'
  await insert(table, text)
  // After `events`, so that what the views derive never runs ahead of the events; a
  // failure here fails the whole write, and its retry is a redelivery.
  const feed = options.feed ?? text
  if (table === 'events' && feed.byteLength > 0) await insert('events_feed', feed)
}
