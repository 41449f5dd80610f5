import { availableParallelism } from 'node:os'
import type { Worker } from 'node:worker_threads'
import { commitBatches, insertEncodedEvents, pendingBatch } from '../ingest/commit-batch.js'
import { foldPending, foldStart, recordFolded } from '../ingest/fold-rollups.js'
import type { ClickHouse } from '../platform/clickhouse.js'
import { type BackfillTask, planBackfill } from './backfill-plan.js'
import type { BackfillTaskResult, BackfillWorkerData } from './backfill-worker.js'
import type { IngestLimits } from './normalize-sim-events.js'
import { buildWorld, type SimulationSpec } from './simulation-spec.js'
import { spawnTsWorker } from './spawn-ts-worker.js'

export interface BackfillOptions {
  ch: ClickHouse
  spec: SimulationSpec
  limits: IngestLimits
  /** Rows per insert, roughly. Default 50,000. */
  batchRows?: number
  /** Worker threads that generate and normalise. Default: one per core. */
  workers?: number
  /** Inserts in flight at once. Default 2. */
  concurrency?: number
  /** Tenant indexes to write, [from, to); all by default. */
  tenants?: { from: number; to: number }
  onProgress?: (progress: BackfillProgress) => void
}

export interface BackfillProgress {
  tenantDays: number
  totalTenantDays: number
  events: number
}

export interface BackfillResult {
  events: number
  rows: number
  rejected: number
  inserts: number
  seconds: number
  /** Folding the written events into the rollups, after the inserts. */
  rollupSeconds: number
}

/**
 * Writes a world's history straight into ClickHouse. Worker threads generate the
 * tenant-days of a task, run them through ingest's pipeline and encoder; this thread
 * only inserts, a few at a time. On two cores ClickHouse takes about 40% of the CPU
 * and the JavaScript pipeline the rest (sim/README.md), so both cores stay busy.
 * Tasks go out in day order and at most a few ahead of the inserts, which bounds
 * memory and keeps the inserts in about day order.
 */
export async function backfill(options: BackfillOptions): Promise<BackfillResult> {
  const { ch } = options
  const world = buildWorld(options.spec)
  const from = Math.max(0, options.tenants?.from ?? 0)
  const to = Math.min(world.tenants.length, options.tenants?.to ?? world.tenants.length)
  const tasks = planBackfill(world, {
    batchRows: options.batchRows ?? 50_000,
    tenants: { from, to },
  })
  const workerCount = Math.max(1, Math.min(options.workers ?? availableParallelism(), tasks.length))
  const concurrency = options.concurrency ?? 2
  const totalTenantDays = (to - from) * world.days
  const result: BackfillResult = {
    events: 0,
    rows: 0,
    rejected: 0,
    inserts: 0,
    seconds: 0,
    rollupSeconds: 0,
  }
  const started = performance.now()
  if (tasks.length === 0) return result

  const data: BackfillWorkerData = { spec: options.spec, limits: pickLimits(options.limits) }
  const workers = Array.from({ length: workerCount }, () =>
    spawnTsWorker(new URL('./backfill-worker.ts', import.meta.url), { workerData: data }),
  )
  const taskOf = new Map(tasks.map((t) => [t.id, t]))
  const idle: Worker[] = []
  const ready: BackfillTaskResult[] = []
  let next = 0
  let outstanding = 0 // handed out and not yet committed
  let inserting = 0
  let tenantDays = 0
  const maxAhead = workerCount + concurrency + 1

  try {
    await new Promise<void>((resolve, reject) => {
      let failed = false
      const fail = (error: unknown) => {
        if (failed) return
        failed = true
        reject(error)
      }
      const dispatch = () => {
        while (!failed && idle.length > 0 && next < tasks.length && outstanding < maxAhead) {
          outstanding++
          idle.pop()!.postMessage(tasks[next++])
        }
        if (!failed && next === tasks.length && outstanding === 0) resolve()
      }
      const commit = async (done: BackfillTaskResult) => {
        await insertEncodedEvents(ch, new Uint8Array(done.text))
        if (done.rejectedRows.length > 0)
          await commitBatches(ch, [pendingBatch([], done.rejectedRows)])
        const task = taskOf.get(done.id) as BackfillTask
        result.events += done.events
        result.rows += done.rows
        result.rejected += done.rejectedRows.length
        result.inserts++
        tenantDays += task.to - task.from
        options.onProgress?.({ tenantDays, totalTenantDays, events: result.events })
      }
      const insertReady = () => {
        while (!failed && inserting < concurrency && ready.length > 0) {
          const done = ready.shift()!
          inserting++
          commit(done)
            .then(() => {
              outstanding--
            }, fail)
            .finally(() => {
              inserting--
              insertReady()
              dispatch()
            })
        }
      }
      for (const worker of workers) {
        worker.on('error', fail)
        worker.on('exit', (code) => {
          if (code !== 0) fail(new Error(`a backfill worker stopped with code ${code}`))
        })
        worker.on('message', (done: BackfillTaskResult) => {
          idle.push(worker)
          ready.push(done)
          insertReady()
          dispatch()
        })
        idle.push(worker)
      }
      dispatch()
    })
  } finally {
    // Inserts already started finish before the engine may be closed by the caller.
    while (inserting > 0) await new Promise((resolve) => setTimeout(resolve, 10))
    await Promise.all(workers.map((w) => w.terminate()))
  }
  result.seconds = (performance.now() - started) / 1000
  // The rollups, as the rollups job would fold them, in chunks; recorded as folded so
  // that a job starting on this store later does not fold them again.
  const folding = performance.now()
  const folded = await foldPending(ch, { after: await foldStart(ch), maxRows: 2_000_000 })
  await recordFolded(ch, folded.position)
  result.rollupSeconds = (performance.now() - folding) / 1000
  return result
}

/** Only the numbers the workers need: a Config holds more than a thread should copy. */
function pickLimits(limits: IngestLimits): IngestLimits {
  return {
    INGEST_MAX_DEPTH: limits.INGEST_MAX_DEPTH,
    INGEST_MAX_KEYS: limits.INGEST_MAX_KEYS,
    INGEST_MAX_STRING_BYTES: limits.INGEST_MAX_STRING_BYTES,
    INGEST_MAX_EVENT_BYTES: limits.INGEST_MAX_EVENT_BYTES,
    INGEST_SKEW_TOLERANCE_MS: limits.INGEST_SKEW_TOLERANCE_MS,
  }
}
