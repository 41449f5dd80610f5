import { parentPort, workerData } from 'node:worker_threads'
import { encodeEventRows } from '../ingest/encode-rows.js'
import type { RejectedRow } from '../ingest/event-row.js'
import { type BackfillTask, backfillReceivedAt } from './backfill-plan.js'
import type { SimEvent } from './event-types.js'
import { generateTenantDay } from './generate.js'
import { createSimNormalizer, type IngestLimits } from './normalize-sim-events.js'
import { buildWorld, type SimulationSpec } from './simulation-spec.js'

// A backfill worker thread: generates the tenant-days of a task, runs them through
// ingest's pipeline and encoder, and hands back the insert's TabSeparated bytes. It
// never touches ClickHouse: chDB belongs to the main thread.

export interface BackfillWorkerData {
  spec: SimulationSpec
  limits: IngestLimits
}

export interface BackfillTaskResult {
  id: number
  events: number
  rows: number
  /** TabSeparated rows of `events`, transferred, not copied. */
  text: ArrayBuffer
  rejectedRows: RejectedRow[]
}

// Events are normalised and encoded in slices of this size, so that the objects of a
// slice die young and the collector's cheap young-generation pass takes them.
const SLICE_EVENTS = 2000

const data = workerData as BackfillWorkerData
const world = buildWorld(data.spec)
const normalize = createSimNormalizer(data.limits, data.spec.modulesFile)

async function run(task: BackfillTask): Promise<BackfillTaskResult> {
  const receivedAt = backfillReceivedAt(world, task.day)
  const parts: string[] = []
  const rejectedRows: RejectedRow[] = []
  let events: SimEvent[] = []
  let count = 0
  let rows = 0
  const flush = async () => {
    const batch = await normalize(events, receivedAt)
    count += events.length
    rows += batch.rows.length
    parts.push(encodeEventRows(batch.rows))
    rejectedRows.push(...batch.rejectedRows)
    events = []
  }
  for (let i = task.from; i < task.to; i++) {
    generateTenantDay(world, i, task.day, (e) => events.push(e))
    if (events.length >= SLICE_EVENTS) await flush()
  }
  if (events.length > 0) await flush()
  const bytes = Buffer.from(parts.join(''))
  // A small Buffer shares a pooled ArrayBuffer: transfer only a copy of its own bytes.
  const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength
  const text = (
    whole ? bytes.buffer : bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)
  ) as ArrayBuffer
  return { id: task.id, events: count, rows, text, rejectedRows }
}

// A failed task rejects here, unhandled, which ends the thread with an 'error' event
// that the pool turns into the backfill's failure.
parentPort!.on('message', async (task: BackfillTask) => {
  const result = await run(task)
  parentPort!.postMessage(result, [result.text])
})
