import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import type { Queryable } from '../platform/postgres.js'
import { applyLifecycleEvents } from './apply-lifecycle-event.js'
import { availableEngines, createTestDatabase, type TestDatabase } from './test-database.js'
import { groupCall, orderCompleted } from './test-events.js'
import { addUser } from './test-fixtures.js'

vi.setConfig({ testTimeout: 60_000, hookTimeout: 120_000 })

const serverUrl = process.env.DATABASE_URL

const conversion = (tenantId: string) => [
  groupCall(tenantId, `${tenantId}-g`, '2024-01-01', { name: tenantId, plan: 'free' }),
  orderCompleted(tenantId, `${tenantId}-o`, '2024-02-01', {
    orderId: `${tenantId}-1`,
    revenue: 100,
  }),
]

async function accountsPerCsm(db: Queryable): Promise<Record<string, number>> {
  const { rows } = await db.query<{ csm_id: string | null; n: string }>(
    `SELECT csm_id, count(*) AS n FROM accounts WHERE lifecycle = 'customer' GROUP BY csm_id`,
  )
  return Object.fromEntries(rows.map((row) => [row.csm_id ?? 'none', Number(row.n)]))
}

describe.each(availableEngines(serverUrl))('CSM round-robin on %s Postgres', (engine) => {
  let t: TestDatabase
  let csms: string[]
  beforeAll(async () => {
    t = await createTestDatabase(engine, { serverUrl })
  })
  afterAll(() => t?.drop())

  describe('when there is no CSM yet', () => {
    it('still hands a new customer to customer success, unassigned', async () => {
      await applyLifecycleEvents(t.db, conversion('t-early'))
      const { rows } = await t.db.query(
        `SELECT owner_team, csm_id FROM accounts WHERE tenant_id = 't-early'`,
      )
      expect(rows).toEqual([{ owner_team: 'cs', csm_id: null }])
      await t.db.query(`UPDATE accounts SET lifecycle = 'churned' WHERE tenant_id = 't-early'`)
    })
  })

  describe('when seven prospects convert with three active CSMs', () => {
    beforeAll(async () => {
      csms = [
        await addUser(t.db, 'ann', 'csm'),
        await addUser(t.db, 'bob', 'csm'),
        await addUser(t.db, 'cy', 'csm'),
      ]
      await addUser(t.db, 'dee', 'csm', false)
      await addUser(t.db, 'sal', 'sales')
    })

    it('spreads them 3-2-2, first CSM first, never to inactive or non-CSM users', async () => {
      const tenants = Array.from({ length: 7 }, (_, i) => `t-spread-${i}`)
      await applyLifecycleEvents(t.db, tenants.flatMap(conversion))
      const { rows } = await t.db.query<{ tenant_id: string; csm_id: string }>(
        `SELECT tenant_id, csm_id FROM accounts WHERE tenant_id LIKE 't-spread-%' ORDER BY tenant_id`,
      )
      expect(rows.map((row) => row.csm_id)).toEqual([
        csms[0],
        csms[1],
        csms[2],
        csms[0],
        csms[1],
        csms[2],
        csms[0],
      ])
      expect(await accountsPerCsm(t.db)).toEqual({ [csms[0]!]: 3, [csms[1]!]: 2, [csms[2]!]: 2 })
    })
  })
})

describe.skipIf(!serverUrl)('when two processes convert accounts at the same time', () => {
  let t: TestDatabase
  beforeAll(async () => {
    t = await createTestDatabase('server', { serverUrl })
    for (const name of ['kim', 'lee', 'max']) await addUser(t.db, name, 'csm')
  })
  afterAll(() => t?.drop())

  it('still spreads them evenly', async () => {
    const tenants = Array.from({ length: 12 }, (_, i) => `t-par-${i}`)
    const other = await t.connect()
    await Promise.all([
      applyLifecycleEvents(t.db, tenants.slice(0, 6).flatMap(conversion)),
      applyLifecycleEvents(other, tenants.slice(6).flatMap(conversion)),
    ])
    expect(Object.values(await accountsPerCsm(t.db))).toEqual([4, 4, 4])
  })
})
