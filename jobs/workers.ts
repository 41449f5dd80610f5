import { type Job, type Queue, Worker } from 'bullmq'
import { applyFirings } from '../crm/apply-firings.js'
import {
  createEvaluation,
  expireStaleEvaluations,
  finishEvaluationIfComplete,
  markEvaluationEvaluated,
  markEvaluationFailed,
  markEvaluationRunning,
  pruneEvaluations,
} from '../crm/evaluations.js'
import { wakeSnoozedAlerts } from '../crm/wake-alerts.js'
import type { ModuleCatalogue } from '../ingest/module-catalogue.js'
import type { ClickHouse } from '../platform/clickhouse.js'
import type { Config } from '../platform/config.js'
import type { Logger } from '../platform/logger.js'
import type { Metrics } from '../platform/metrics.js'
import type { Db } from '../platform/postgres.js'
import type { Redis } from '../platform/redis.js'
import { retrainChurnModel, scoreWithActiveModel } from './churn-model.js'
import { deliverWebhooks } from './deliver-webhooks.js'
import { evaluateActiveRules } from './evaluate-rules.js'
import { runRollups } from './fold-rollups.js'
import { createQueue, type QueueName, type QueuePayloads } from './queues.js'
import { runPlaybooks } from './run-playbooks.js'
import { syncCrm } from './sync-crm.js'
import { updateHealthScores } from './update-health-scores.js'

export interface WorkerDeps {
  config: Config
  log: Logger
  ch: ClickHouse
  db: Db
  redis: Redis
  catalogue: ModuleCatalogue
  metrics: Metrics
  /** This deployment's queue namespace (queuePrefixOf): no other deployment's jobs. */
  queuePrefix: string
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
  const ctx = { redis, prefix: deps.queuePrefix }
  const queues: Queues = {
    'crm-sync': createQueue('crm-sync', ctx),
    evaluate: createQueue('evaluate', ctx),
    apply: createQueue('apply', ctx),
    notify: createQueue('notify', ctx),
    health: createQueue('health', ctx),
    wake: createQueue('wake', ctx),
    rollups: createQueue('rollups', ctx),
    playbooks: createQueue('playbooks', ctx),
    model: createQueue('model', ctx),
  }
  const modules = deps.catalogue.modules
  const { db, metrics } = deps
  const syncOptions = {
    overlapMs: config.CRM_SYNC_OVERLAP_SECONDS * 1000,
    pageSize: config.CRM_SYNC_PAGE_SIZE,
    freePlans: config.FREE_PLANS,
  }
  const syncCrmNow = (signal?: AbortSignal) => syncCrm(deps, syncOptions, signal)
  const foldRollupsNow = async () => {
    const run = await runRollups(deps, {
      maxRows: config.ROLLUP_FOLD_MAX_ROWS,
      maxThreads: config.ROLLUP_MAX_THREADS,
    })
    metrics.rollupLagSeconds.set(run.lagSeconds)
    metrics.rollupPendingRows.set(run.pendingRows)
    return run
  }
  const processors: {
    [N in QueueName]: (data: QueuePayloads[N], signal?: AbortSignal) => Promise<unknown>
  } = {
    'crm-sync': (_data, signal) => syncCrmNow(signal),
    async evaluate(data, signal) {
      const evaluationId =
        data.evaluationId ??
        (await createEvaluation(db, { kind: data.kind, trigger: data.trigger }))
      await markEvaluationRunning(db, evaluationId)
      try {
        // Rules must not race crm-sync: the lifecycle events committed before this run
        // (an account's first group call, an order) are applied and mirrored first, so
        // every account the rules see is one the apply step knows.
        const synced = await syncCrmNow(signal)
        // The rules read the rollups: they must hold the events committed before now.
        await foldRollupsNow()
        const result = await evaluateActiveRules({ ...deps, modules }, data)
        await markEvaluationEvaluated(db, evaluationId, {
          asOf: result.asOf,
          rules: result.rules,
          invalidRules: result.invalid,
          firings: result.firings.length,
          synced,
        })
        const retryUntil = new Date(
          Date.now() + config.APPLY_UNKNOWN_ACCOUNT_RETRY_SECONDS * 1000,
        ).toISOString()
        for (let i = 0; i < result.firings.length; i += applyBatch) {
          await queues.apply.add('apply', {
            firings: result.firings.slice(i, i + applyBatch),
            at: `${result.asOf}T00:00:00.000Z`,
            evaluationId,
            retryUntil,
          })
        }
        return {
          evaluationId,
          asOf: result.asOf,
          rules: result.rules,
          firings: result.firings.length,
          invalid: result.invalid,
        }
      } catch (error) {
        // A retry sets it running again; after the last attempt the record says why.
        await markEvaluationFailed(db, evaluationId, (error as Error).message).catch(() => {})
        throw error
      }
    },
    async apply(data) {
      const canWait = data.retryUntil !== undefined && Date.now() < Date.parse(data.retryUntil)
      const summary = await applyFirings(db, data.firings, new Date(data.at), {
        evaluationId: data.evaluationId,
        deferUnknownAccounts: canWait,
      })
      const kind = data.firings[0]?.kind ?? 'abm'
      for (const [outcome, n] of [
        ['lead_opened', summary.leadsOpened],
        ['lead_updated', summary.leadsUpdated],
        ['alert_opened', summary.alertsOpened],
      ] as const)
        if (n > 0) metrics.firingsApplied.inc({ kind, outcome }, n)
      for (const [reason, n] of Object.entries(summary.skipped))
        metrics.firingsSkipped.inc({ kind, reason }, n)
      if (summary.deferred.length > 0) {
        // Not lost, not skipped: the account's group call may be on its way through
        // crm-sync. Tried again with a growing delay until retryUntil, then skipped.
        metrics.firingsDeferred.inc({ kind }, summary.deferred.length)
        const round = (data.round ?? 0) + 1
        await queues.apply.add(
          'apply',
          { ...data, firings: summary.deferred, round },
          { delay: Math.min(60_000, 2000 * 2 ** (round - 1)) },
        )
      } else if (data.evaluationId) await finishEvaluationIfComplete(db, data.evaluationId)
      if (summary.webhooks > 0) await queues.notify.add('notify', { trigger: 'apply' })
      return { ...summary, deferred: summary.deferred.length }
    },
    notify: () =>
      deliverWebhooks(deps.db, {
        allowPrivate: config.WEBHOOK_ALLOW_PRIVATE,
        timeoutMs: config.WEBHOOK_TIMEOUT_MS,
        maxAttempts: config.WEBHOOK_MAX_ATTEMPTS,
        batchSize: 200,
      }),
    health: () => updateHealthScores(deps, { asOf: new Date(), modulesAvailable: modules.length }),
    rollups: () => foldRollupsNow(),
    async wake() {
      const woken = await wakeSnoozedAlerts(db, new Date())
      await pruneEvaluations(db, config.EVALUATION_RETENTION_DAYS)
      // An hour past the longest an apply job may keep retrying an unknown account.
      await expireStaleEvaluations(db, config.APPLY_UNKNOWN_ACCOUNT_RETRY_SECONDS + 3600)
      return woken
    },
    model: (data) =>
      data.action === 'retrain' ? retrainChurnModel(deps) : scoreWithActiveModel(deps),
    async playbooks(_data, signal) {
      const summary = await runPlaybooks(
        { db },
        { now: new Date(), escalateAfterDays: config.TASK_OVERDUE_ESCALATE_DAYS },
        signal,
      )
      if (summary.webhooks > 0) await queues.notify.add('notify', { trigger: 'apply' })
      return summary
    },
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
    await queues.rollups.upsertJobScheduler(
      'rollups',
      { every: config.ROLLUP_EVERY_MS },
      { name: 'rollups', data: { trigger: 'schedule' } },
    )
    await queues.wake.upsertJobScheduler(
      'wake',
      { every: config.ALERT_WAKE_EVERY_MS },
      { name: 'wake', data: { trigger: 'schedule' } },
    )
    await queues.playbooks.upsertJobScheduler(
      'playbooks',
      { every: config.PLAYBOOKS_EVERY_MS },
      { name: 'playbooks', data: { trigger: 'schedule' } },
    )
    await queues.model.upsertJobScheduler(
      'model-retrain',
      { every: config.MODEL_RETRAIN_EVERY_MS },
      { name: 'model', data: { action: 'retrain', trigger: 'schedule' } },
    )
    await queues.model.upsertJobScheduler(
      'model-score',
      { every: config.MODEL_SCORE_EVERY_MS },
      { name: 'model', data: { action: 'score', trigger: 'schedule' } },
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
