import { randomBytes } from 'node:crypto'
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import { redisReadiness, startJobs } from '../cli/runtime.js'
import { addUser } from '../crm/test-fixtures.js'
import type { ClickHouse } from '../platform/clickhouse.js'
import type { Db } from '../platform/postgres.js'
import { basicAuth, buildTestApp } from '../test/app.js'
import { eventually, useTestClickHouse } from '../test/clickhouse.js'
import { useTestPostgres } from '../test/postgres.js'

let ch: ClickHouse
let db: Db
let csm: string
beforeAll(async () => {
  ch = await useTestClickHouse()
  db = await useTestPostgres()
  csm = await addUser(db, 'carla', 'csm')
})

/** The app and its workers on a queue prefix of their own, closed after the test. */
async function start() {
  const prefix = `test-${randomBytes(6).toString('hex')}`
  const { app, runtime } = await buildTestApp(
    { ch, db },
    { QUEUE_PREFIX: prefix, CRM_SYNC_EVERY_MS: '200', CRM_SYNC_OVERLAP_SECONDS: '30' },
  )
  const jobs = await startJobs(runtime)
  onTestFinished(async () => {
    await jobs.workers.queues['crm-sync'].obliterate({ force: true })
    await jobs.close()
  })
  const send = async (batch: unknown[]) => {
    const res = await app.inject({
      method: 'POST',
      url: '/v1/batch',
      headers: { authorization: basicAuth() },
      payload: { batch },
    })
    expect(res.statusCode).toBe(200)
  }
  return { app, runtime, jobs, send }
}

const account = async (tenant: string) =>
  (
    await db.query<{ lifecycle: string; plan: string; owner_team: string; csm_id: string | null }>(
      'SELECT lifecycle, plan, owner_team, csm_id FROM accounts WHERE tenant_id = $1',
      [tenant],
    )
  ).rows[0]

const transitions = async (tenant: string) =>
  (
    await db.query<{ from_state: string | null; to_state: string | null }>(
      'SELECT from_state, to_state FROM activity_log WHERE tenant_id = $1 AND from_state IS DISTINCT FROM to_state ORDER BY id',
      [tenant],
    )
  ).rows.map((r) => `${r.from_state}→${r.to_state}`)

const activityCount = async (tenant: string) =>
  Number(
    (
      await db.query<{ n: string }>('SELECT count(*) AS n FROM activity_log WHERE tenant_id = $1', [
        tenant,
      ])
    ).rows[0]!.n,
  )

const lifecycleEvents = (tenant: string) => [
  {
    type: 'group',
    userId: `${tenant}-admin`,
    groupId: tenant,
    messageId: `${tenant}-g1`,
    timestamp: '2026-10-01T09:00:00Z',
    traits: { name: 'Umbrella', plan: 'free', seats: 5 },
  },
  {
    type: 'track',
    userId: `${tenant}-admin`,
    event: 'Order Completed',
    messageId: `${tenant}-o1`,
    timestamp: '2026-10-05T09:00:00Z',
    context: { groupId: tenant },
    properties: { orderId: `${tenant}-order-1`, revenue: 490, products: [{ module: 'analytics' }] },
  },
  {
    type: 'group',
    userId: `${tenant}-admin`,
    groupId: tenant,
    messageId: `${tenant}-g2`,
    timestamp: '2026-10-05T09:00:01Z',
    traits: { name: 'Umbrella', plan: 'business', seats: 5, mrr: 490 },
  },
  {
    type: 'track',
    userId: `${tenant}-admin`,
    event: 'Subscription Renewed',
    messageId: `${tenant}-r1`,
    timestamp: '2026-11-05T03:00:00Z',
    context: { groupId: tenant },
    properties: { plan: 'business', revenue: 490 },
  },
  {
    type: 'track',
    userId: `${tenant}-admin`,
    event: 'Subscription Cancelled',
    messageId: `${tenant}-c1`,
    timestamp: '2026-11-20T10:00:00Z',
    context: { groupId: tenant },
    properties: { reason: 'budget' },
  },
]

describe('when a tenant goes through its whole lifecycle in events', () => {
  it('moves prospect → customer → churned through the queue and worker, with the log', async () => {
    const { send } = await start()
    const [group, order, regroup, renewal, cancel] = lifecycleEvents('umbrella')
    await send([group])
    expect(
      await eventually(
        () => account('umbrella'),
        (a) => a !== undefined,
      ),
    ).toMatchObject({ lifecycle: 'prospect', plan: 'free', owner_team: 'sales' })

    await send([order, regroup])
    expect(
      await eventually(
        () => account('umbrella'),
        (a) => a?.lifecycle === 'customer' && a.plan === 'business',
      ),
    ).toMatchObject({ lifecycle: 'customer', plan: 'business', owner_team: 'cs', csm_id: csm })

    await send([renewal])
    await eventually(
      () => activityCount('umbrella'),
      (n) => n >= 4,
    )
    await send([cancel])
    expect(
      await eventually(
        () => account('umbrella'),
        (a) => a?.lifecycle === 'churned',
      ),
    ).toMatchObject({ lifecycle: 'churned' })
    expect(await transitions('umbrella')).toEqual([
      'null→prospect',
      'prospect→customer',
      'customer→churned',
    ])
  })
})

describe('when lifecycle events are delivered again', () => {
  it('changes nothing in the CRM', async () => {
    const { send } = await start()
    const events = lifecycleEvents('wayne')
    await send(events)
    await eventually(
      () => account('wayne'),
      (a) => a?.lifecycle === 'churned',
    )
    const before = {
      activity: await activityCount('wayne'),
      orders: await db.query('SELECT * FROM orders WHERE tenant_id = $1', ['wayne']),
    }

    const resentAt = Date.now()
    await send(events)
    // Wait until crm-sync has read past the copies.
    await eventually(
      async () =>
        (
          await db.query<{ watermark: Date }>(
            "SELECT watermark FROM crm_sync_state WHERE name = 'crm-sync'",
          )
        ).rows[0]?.watermark.getTime() ?? 0,
      (w) => w >= resentAt - 5,
    )
    expect(before.activity).toBeGreaterThanOrEqual(4)
    expect(before.orders.rows).toHaveLength(1)
    expect(await activityCount('wayne')).toBe(before.activity)
    expect((await db.query('SELECT * FROM orders WHERE tenant_id = $1', ['wayne'])).rows).toEqual(
      before.orders.rows,
    )
  })
})

describe('when two workers serve the same queue', () => {
  it('applies each event once', async () => {
    const first = await start()
    const second = await startJobs(first.runtime)
    onTestFinished(() => second.close())
    const tenants = Array.from({ length: 12 }, (_, i) => `twin-${i}`)
    for (const tenant of tenants) await first.send(lifecycleEvents(tenant))
    for (const tenant of tenants)
      await eventually(
        () => account(tenant),
        (a) => a?.lifecycle === 'churned',
        15_000,
      )
    const applied = await db.query<{ n: string }>(
      "SELECT count(*) AS n FROM applied_events WHERE tenant_id LIKE 'twin-%'",
    )
    expect(Number(applied.rows[0]!.n)).toBe(tenants.length * 5)
    for (const tenant of tenants)
      expect(await transitions(tenant)).toEqual([
        'null→prospect',
        'prospect→customer',
        'customer→churned',
      ])
  })
})

describe('when the queue Redis would evict keys under memory pressure', () => {
  it('reports the service not ready, and says why', async () => {
    const { app, runtime, jobs } = await start()
    const redis = jobs.redis.redis
    runtime.redisCheck = () => redisReadiness(redis)
    expect((await app.inject('/readyz')).json()).toMatchObject({
      status: 'ready',
      checks: { redis: 'ok' },
    })
    const before = ((await redis.config('GET', 'maxmemory-policy')) as string[])[1]!
    await redis.config('SET', 'maxmemory-policy', 'allkeys-lru')
    onTestFinished(async () => {
      await redis.config('SET', 'maxmemory-policy', before)
    })
    const res = await app.inject('/readyz')
    expect(res.statusCode).toBe(503)
    expect(res.json().checks.redis).toMatch(/^failed: maxmemory-policy is allkeys-lru/)
  })
})
