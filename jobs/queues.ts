import { type JobsOptions, Queue } from 'bullmq'
import type { RuleFiring } from '../crm/apply-firings.js'
import { createEvaluation } from '../crm/evaluations.js'
import type { Queryable } from '../platform/postgres.js'
import type { Redis } from '../platform/redis.js'

/**
 * Every queue and its one payload type. Jobs carry batches or nothing: each step reads
 * its own state (a watermark, the active rules, the due outbox rows) from Postgres, so
 * any number of runs converge on the same result and a flushed Redis loses no work.
 */
export interface QueuePayloads {
  'crm-sync': { trigger: 'schedule' | 'manual' }
  evaluate: {
    kind: 'abm' | 'churn'
    asOf?: string | undefined
    trigger: 'schedule' | 'manual'
    /** The evaluation's record; a scheduled run makes its own. */
    evaluationId?: string | undefined
  }
  apply: {
    firings: RuleFiring[]
    at: string
    evaluationId?: string | undefined
    /** Firings for accounts not known yet are tried again until then (ISO time). */
    retryUntil?: string | undefined
    /** How many times these firings were handed back already. */
    round?: number | undefined
  }
  notify: { trigger: 'schedule' | 'apply' }
  health: { trigger: 'schedule' | 'manual' }
  wake: { trigger: 'schedule' | 'manual' }
  rollups: { trigger: 'schedule' | 'manual' }
  playbooks: { trigger: 'schedule' | 'manual' }
  model: { action: 'retrain' | 'score'; trigger: 'schedule' | 'manual' }
}

export type QueueName = keyof QueuePayloads

const keep = { removeOnComplete: { count: 100 }, removeOnFail: { count: 1000 } }

export const jobOptions: Record<QueueName, JobsOptions> = {
  // The next scheduled run catches up anyway; a few quick retries cover a blip.
  'crm-sync': { attempts: 3, backoff: { type: 'exponential', delay: 1000 }, ...keep },
  // Evaluation reads only: retrying it is free, and a long ClickHouse hiccup should not
  // cost a whole interval.
  evaluate: { attempts: 5, backoff: { type: 'exponential', delay: 2000 }, ...keep },
  // Apply is idempotent for its evaluation time, so retries until Postgres is back.
  apply: { attempts: 10, backoff: { type: 'exponential', delay: 2000 }, ...keep },
  // Delivery keeps its own per-event attempts and backoff in the outbox; the job itself
  // only fails when Postgres does.
  notify: { attempts: 3, backoff: { type: 'exponential', delay: 1000 }, ...keep },
  health: { attempts: 3, backoff: { type: 'exponential', delay: 5000 }, ...keep },
  // Runs every second; the next run folds what a failed one did not.
  rollups: { attempts: 1, ...keep },
  // The next run wakes what this one missed.
  wake: { attempts: 2, backoff: { type: 'fixed', delay: 5000 }, ...keep },
  // Every step commits on its own and is idempotent: a retry picks up where it failed,
  // and the next scheduled run catches up on a run that gave up.
  playbooks: { attempts: 3, backoff: { type: 'exponential', delay: 5000 }, ...keep },
  // Training and scoring read and then write whole results: a retry redoes them.
  model: { attempts: 2, backoff: { type: 'exponential', delay: 60_000 }, ...keep },
}

export interface QueueContext {
  redis: Redis
  prefix: string
}

export function createQueue<N extends QueueName>(
  name: N,
  ctx: QueueContext,
): Queue<QueuePayloads[N]> {
  return new Queue<QueuePayloads[N]>(name, {
    connection: ctx.redis,
    prefix: ctx.prefix,
    defaultJobOptions: jobOptions[name],
  })
}

export interface QueuedEvaluation {
  jobId: string
  evaluationId: string
}

/**
 * Queues one evaluation of the active rules of a kind now, with its record in Postgres
 * made first, so that the caller can follow it (GET /api/jobs/evaluations/:id).
 */
export function evaluateNow(queue: Queue<QueuePayloads['evaluate']>, db: Queryable) {
  return async (kind: 'abm' | 'churn', asOf: string | undefined): Promise<QueuedEvaluation> => {
    const evaluationId = await createEvaluation(db, { kind, trigger: 'manual' })
    const job = await queue.add('evaluate', { kind, asOf, trigger: 'manual', evaluationId })
    return { jobId: job.id!, evaluationId }
  }
}

/**
 * The queue prefix of a deployment: the configured namespace and the CRM store's
 * deployment id, in braces so that Redis Cluster keeps all of its keys in one slot.
 */
export const queuePrefixOf = (namespace: string, deploymentId: string) =>
  `{${namespace}:${deploymentId}}`
