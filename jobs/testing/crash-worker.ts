// A worker process for jobs/worker-crash.test.ts, driven by its first argument:
//   start   ingest lifecycle events for many tenants, start a worker, queue one crm-sync
//           job and print "active <jobId>" once it runs (the test then kills us);
//   resume  print how much the killed run applied, start a worker, wait for that job to
//           be taken up again and finish, print the final counts.
// Configuration comes from the environment, as for `tenantpulse`.
import { startJobs, startRuntime } from '../../cli/runtime.js'
import { loadConfig } from '../../platform/config.js'
import { createLogger } from '../../platform/logger.js'

const [mode, jobId] = process.argv.slice(2)
const config = loadConfig()
const runtime = await startRuntime(config, createLogger('silent'))
const count = async (sql: string) => Number((await runtime.db.query<{ n: string }>(sql)).rows[0]!.n)
const say = (line: string) => process.stdout.write(`${line}\n`)
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

function lifecycle(id: string) {
  const common = { userId: 'a', context: { groupId: id } }
  return [
    {
      type: 'group',
      userId: 'a',
      groupId: id,
      messageId: `${id}-g1`,
      timestamp: '2026-10-01T09:00:00Z',
      traits: { plan: 'free' },
    },
    {
      ...common,
      type: 'track',
      event: 'Order Completed',
      messageId: `${id}-o1`,
      timestamp: '2026-10-05T09:00:00Z',
      properties: { orderId: `${id}-1`, revenue: 100 },
    },
    {
      ...common,
      type: 'track',
      event: 'Subscription Cancelled',
      messageId: `${id}-c1`,
      timestamp: '2026-11-20T10:00:00Z',
    },
  ]
}

if (mode === 'start') {
  await runtime.db.query(
    "INSERT INTO users (name, email, role) VALUES ('Cy', 'cy@example.test', 'csm')",
  )
  const tenants = Number(process.env.CRASH_TENANTS ?? 300)
  const batch = Array.from({ length: tenants }, (_, t) => lifecycle(`crash-${t}`)).flat()
  await runtime.ingest.handle({
    endpoint: 'batch',
    body: Buffer.from(JSON.stringify({ writeKey: config.INGEST_WRITE_KEY, batch })),
    contentEncoding: undefined,
    authorization: undefined,
    receivedAt: Date.now(),
  })
  // No scheduler: the one job queued below must be the one that is cut short.
  // Long enough that a busy machine's pauses do not look like a stall while this
  // process lives, short enough that the next process takes the job up soon.
  const jobs = await startJobs(runtime, { lockDurationMs: 5000, schedule: false })
  const job = await jobs.workers.queues['crm-sync'].add('crm-sync', { trigger: 'manual' })
  while (
    (await job.getState()) !== 'active' ||
    (await count('SELECT count(*) AS n FROM applied_events')) === 0
  )
    await sleep(20)
  say(`active ${job.id}`)
  await new Promise(() => {})
}

if (mode === 'resume') {
  say(`applied-before ${await count('SELECT count(*) AS n FROM applied_events')}`)
  // A long lock here: the killed worker's expires soon after it died, while this
  // worker's must outlast the pauses of a busy machine and the embedded Postgres.
  const jobs = await startJobs(runtime, {
    lockDurationMs: 30_000,
    stalledIntervalMs: 300,
    schedule: false,
  })
  const queue = jobs.workers.queues['crm-sync']
  for (;;) {
    const job = await queue.getJob(jobId!)
    const state = job && (await job.getState())
    if (state === 'completed') break
    if (state === 'failed') {
      say(`failed ${job?.failedReason}`)
      process.exit(1)
    }
    await sleep(100)
  }
  say(`applied-after ${await count('SELECT count(*) AS n FROM applied_events')}`)
  say(
    `transitions ${await count('SELECT count(*) AS n FROM activity_log WHERE from_state IS DISTINCT FROM to_state')}`,
  )
  say(`churned ${await count("SELECT count(*) AS n FROM accounts WHERE lifecycle = 'churned'")}`)
  await queue.obliterate({ force: true })
  await jobs.close()
  await runtime.close()
  process.exit(0)
}
