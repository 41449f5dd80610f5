import { type Job, type Queue, Worker } from 'bullmq'
import { applyFirings } from '../crm/apply-firings.js'
import { wakeSnoozedAlerts } from '../crm/wake-alerts.js'
import type { ModuleCatalogue } from '../ingest/module-catalogue.js'
import type { ClickHouse } from '../platform/clickhouse.js'
import type { Config } from '../platform/config.js'
import type { Logger } from '../platform/logger.js'
import type { Db } from '../platform/postgres.js'
import type { Redis } from '../platform/redis.js'
import { deliverWebhooks } from './deliver-webhooks.js'
import { evaluateActiveRules } from './evaluate-rules.js'
import { createQueue, type QueueName, type QueuePayloads } from './queues.js'
import { syncLifecycleEvents } from './sync-lifecycle-events.js'
import { updateHealthScores } from './update-health-scores.js'

export interface WorkerDeps {
  config: Config
  log: Logger
  ch: ClickHouse
  db: Db
  redis: Redis
  catalogue: ModuleCatalogue
}

/** BullMQ's lock and stall-check timing; tests shorten them to see a crash recovered. */
export interface WorkerOptions {
  lockDurationMs?: number
  stalledIntervalMs?: number
  /** Declare the job schedulers (default true); a test that queues its own jobs may not. */
  schedule?: boolean
}

export type Queues = { [N in QueueName]: Queue<QueuePayloads[N]> }

export interface Workers {
  queues: Queues
  /** Stops taking jobs, lets the running ones finish, closes the queues. */
  close(): Promise<void>
}

// Firings per apply job: a job stays short enough to retry cheaply.
const applyBatch = 500

/**
 * All BullMQ wiring lives here: queues, workers, schedulers. Processors are plain
 * functions of their input (jobs/*.ts); this file only connects them. Evaluate, apply
 * and notify are separate jobs with their own retries. The schedulers are declared at
 * every start, so a Redis that lost its keys heals on the next boot.
 */
export async function startWorkers(
  deps: WorkerDeps,
  options: WorkerOptions = {},
): Promise<Workers> {
  const { config, log, redis } = deps
  const ctx = { redis, prefix: config.QUEUE_PREFIX }
  const queues: Queues = {
    'crm-sync': createQueue('crm-sync', ctx),
    evaluate: createQueue('evaluate', ctx),
    apply: createQueue('apply', ctx),
    notify: createQueue('notify', ctx),
    health: createQueue('health', ctx),
    wake: createQueue('wake', ctx),
  }
  const modules = deps.catalogue.modules
  const processors: {
    [N in QueueName]: (data: QueuePayloads[N], signal?: AbortSignal) => Promise<unknown>
  } = {
    'crm-sync': (_data, signal) =>
      syncLifecycleEvents(
        deps,
        { overlapMs: config.CRM_SYNC_OVERLAP_SECONDS * 1000, pageSize: config.CRM_SYNC_PAGE_SIZE },
        signal,
      ),
    async evaluate(data) {
      const result = await evaluateActiveRules({ ...deps, modules }, data)
      for (let i = 0; i < result.firings.length; i += applyBatch) {
        await queues.apply.add('apply', {
          firings: result.firings.slice(i, i + applyBatch),
          at: `${result.asOf}T00:00:00.000Z`,
        })
      }
      return {
        asOf: result.asOf,
        rules: result.rules,
        firings: result.firings.length,
        invalid: result.invalid,
      }
    },
    async apply(data) {
      const summary = await applyFirings(deps.db, data.firings, new Date(data.at))
      if (summary.webhooks > 0) await queues.notify.add('notify', { trigger: 'apply' })
      return summary
    },
    notify: () =>
      deliverWebhooks(deps.db, {
        allowPrivate: config.WEBHOOK_ALLOW_PRIVATE,
        timeoutMs: config.WEBHOOK_TIMEOUT_MS,
        maxAttempts: config.WEBHOOK_MAX_ATTEMPTS,
        batchSize: 200,
      }),
    health: () => updateHealthScores(deps, { asOf: new Date(), modulesAvailable: modules.length }),
    wake: () => wakeSnoozedAlerts(deps.db, new Date()),
  }

  const workers = (Object.keys(processors) as QueueName[]).map((name) => {
    const worker = new Worker(
      name,
      async (job: Job, _token?: string, signal?: AbortSignal) => {
        const jobLog = log.child({ queue: name, jobId: job.id, attempt: job.attemptsMade + 1 })
        const result = await (
          processors[name] as (data: unknown, signal?: AbortSignal) => Promise<unknown>
        )(job.data, signal)
        jobLog.debug({ result }, 'job done')
        return result
      },
      {
        connection: redis,
        prefix: ctx.prefix,
        concurrency: 1,
        ...(options.lockDurationMs ? { lockDuration: options.lockDurationMs } : {}),
        ...(options.stalledIntervalMs ? { stalledInterval: options.stalledIntervalMs } : {}),
      },
    )
    worker.on('failed', (job, error) =>
      log.warn(
        { queue: name, jobId: job?.id, attempt: job?.attemptsMade, err: error },
        'job failed',
      ),
    )
    worker.on('error', (error) => log.error({ queue: name, err: error }, 'worker error'))
    return worker
  })

  if (options.schedule !== false) {
    await queues['crm-sync'].upsertJobScheduler(
      'crm-sync',
      { every: config.CRM_SYNC_EVERY_MS },
      { name: 'crm-sync', data: { trigger: 'schedule' } },
    )
    await queues.evaluate.upsertJobScheduler(
      'evaluate-abm',
      { every: config.RULES_ABM_EVERY_MS },
      { name: 'evaluate', data: { kind: 'abm', trigger: 'schedule' } },
    )
    await queues.evaluate.upsertJobScheduler(
      'evaluate-churn',
      { every: config.RULES_CHURN_EVERY_MS },
      { name: 'evaluate', data: { kind: 'churn', trigger: 'schedule' } },
    )
    await queues.notify.upsertJobScheduler(
      'notify',
      { every: config.WEBHOOK_EVERY_MS },
      { name: 'notify', data: { trigger: 'schedule' } },
    )
    await queues.health.upsertJobScheduler(
      'health',
      { every: config.HEALTH_EVERY_MS },
      { name: 'health', data: { trigger: 'schedule' } },
    )
    await queues.wake.upsertJobScheduler(
      'wake',
      { every: config.ALERT_WAKE_EVERY_MS },
      { name: 'wake', data: { trigger: 'schedule' } },
    )
  }

  return {
    queues,
    async close() {
      await Promise.all(workers.map((w) => w.close()))
      await Promise.all(Object.values(queues).map((q) => q.close()))
    },
  }
}
