import type { Job, Queue } from 'bullmq'
import { eventually } from './clickhouse.js'

/** Waits (bounded) for a queued job to finish; a failed job fails the test with its reason. */
export async function finished(queue: Queue, job: Job): Promise<unknown> {
  const done = await eventually(
    async () => (await queue.getJob(job.id!))!,
    (j) => j.finishedOn !== undefined,
    20_000,
  )
  if (done.failedReason) throw new Error(done.failedReason)
  return done.returnvalue
}
