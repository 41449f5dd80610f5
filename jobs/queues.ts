import { type JobsOptions, Queue } from 'bullmq'
import type { Redis } from '../platform/redis.js'

/** Every queue, its payload, and the job options it runs with. */
export interface QueuePayloads {
  // Carries nothing: the job reads its own watermark, so any number of runs (the
  // scheduler's, a manual one, a retried one) converge on the same state.
  'crm-sync': { trigger: 'schedule' | 'manual' }
}

export type QueueName = keyof QueuePayloads

export const jobOptions: Record<QueueName, JobsOptions> = {
  'crm-sync': {
    // A failed run (ClickHouse or Postgres away) is retried soon; the next scheduled run
    // would catch up anyway, so a few attempts suffice.
    attempts: 3,
    backoff: { type: 'exponential', delay: 1000 },
    // Runs every few seconds: keep a short history for inspection, not a growing one.
    removeOnComplete: { count: 50 },
    removeOnFail: { count: 500 },
  },
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
