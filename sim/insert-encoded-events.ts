import { eventColumns } from '../ingest/encode-rows.js'
import type { ClickHouse } from '../platform/clickhouse.js'

// The settings of ingest's commit (ingest/commit-batch.ts): the insert returns once the
// rows are in parts, with no server-side buffering.
const insertSettings = { async_insert: 0, wait_for_async_insert: 1 } as const

/**
 * Inserts rows that ingest's encoder (encodeEventRows) already turned into TabSeparated
 * text in a worker thread. commitBatches takes row objects, and handing 50,000 of them
 * from a worker to this thread costs more (structured clone) than encoding them.
 */
export async function insertEncodedEvents(ch: ClickHouse, text: Uint8Array): Promise<void> {
  await ch.insertEncoded({
    table: `${ch.database}.events`,
    columns: eventColumns,
    format: 'TabSeparated',
    body: Buffer.from(text.buffer, text.byteOffset, text.byteLength),
    settings: insertSettings,
  })
}
