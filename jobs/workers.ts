import { type Job, type Queue, Worker } from 'bullmq'
import type { ClickHouse } from '../platform/clickhouse.js'
import type { Config } from '../platform/config.js'
import type { Logger } from '../platform/logger.js'
import type { Db } from '../platform/postgres.js'
import type { Redis } from '../platform/redis.js'
import { createQueue, type QueuePayloads } from './queues.js'
import { syncLifecycleEvents } from './sync-lifecycle-events.js'

export interface WorkerDeps {
  config: Config
  log: Logger
  ch: ClickHouse
  db: Db
  redis: Redis
}

export interface Workers {
  queues: { crmSync: Queue<QueuePayloads['crm-sync']> }
  /** Stops taking jobs, lets the running ones finish, closes the queues. */
  close(): Promise<void>
}

/**
 * All BullMQ wiring lives here: queues, workers, schedulers. Processors are plain
 * functions of their input. The schedulers are declared at every start, so a Redis
 * that lost its keys heals on the next boot; the state they act on lives in Postgres.
 */
/** BullMQ's lock and stall-check timing; tests shorten them to see a crash recovered. */
export interface WorkerOptions {
  lockDurationMs?: number
  stalledIntervalMs?: number
  /** Declare the job schedulers (default true); a test that queues its own jobs may not. */
  schedule?: boolean
}

export async function startWorkers(
  deps: WorkerDeps,
  options: WorkerOptions = {},
): Promise<Workers> {
  const { config, log, redis } = deps
  const ctx = { redis, prefix: config.QUEUE_PREFIX }
  const crmSync = createQueue('crm-sync', ctx)
  const syncOptions = {
    overlapMs: config.CRM_SYNC_OVERLAP_SECONDS * 1000,
    pageSize: config.CRM_SYNC_PAGE_SIZE,
  }

  const crmSyncWorker = new Worker<QueuePayloads['crm-sync']>(
    'crm-sync',
    async (job: Job, _token?: string, signal?: AbortSignal) => {
      const jobLog = log.child({ queue: 'crm-sync', jobId: job.id, attempt: job.attemptsMade + 1 })
      const summary = await syncLifecycleEvents(deps, syncOptions, signal)
      if (summary.read > 0) jobLog.info(summary, 'crm-sync applied lifecycle events')
      return summary
    },
    {
      connection: redis,
      prefix: ctx.prefix,
      // One run at a time per worker; a second worker (another process) is safe too.
      concurrency: 1,
      ...(options.lockDurationMs ? { lockDuration: options.lockDurationMs } : {}),
      ...(options.stalledIntervalMs ? { stalledInterval: options.stalledIntervalMs } : {}),
    },
  )
  crmSyncWorker.on('failed', (job, error) =>
    log.warn({ queue: 'crm-sync', jobId: job?.id, err: error }, 'crm-sync failed'),
  )
  crmSyncWorker.on('error', (error) =>
    log.error({ queue: 'crm-sync', err: error }, 'crm-sync worker error'),
  )

  if (options.schedule !== false)
    await crmSync.upsertJobScheduler(
      'crm-sync',
      { every: config.CRM_SYNC_EVERY_MS },
      { name: 'crm-sync', data: { trigger: 'schedule' } },
    )

  return {
    queues: { crmSync },
    async close() {
      await crmSyncWorker.close()
      await crmSync.close()
    },
  }
}
