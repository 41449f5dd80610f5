import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { listActivity } from './activity-log.js'
import { applyLifecycleEvents } from './apply-lifecycle-event.js'
import { availableEngines, createTestDatabase, type TestDatabase } from './test-database.js'
import { lifetime } from './test-events.js'
import { addUser, tenantCounts } from './test-fixtures.js'

vi.setConfig({ testTimeout: 60_000, hookTimeout: 120_000 })

const serverUrl = process.env.DATABASE_URL

describe.each(availableEngines(serverUrl))(
  'redelivered lifecycle events on %s Postgres',
  (engine) => {
    let t: TestDatabase
    beforeAll(async () => {
      t = await createTestDatabase(engine, { serverUrl })
      await addUser(t.db, 'casey')
    })
    afterAll(() => t?.drop())

    describe('when the same events are delivered again', () => {
      it('changes no count and no log row, and reports them as duplicates', async () => {
        const tenantId = 't-redelivered'
        const events = lifetime(tenantId)
        expect(await applyLifecycleEvents(t.db, events)).toMatchObject({
          applied: 5,
          duplicates: 0,
          poisoned: 0,
        })
        const before = await tenantCounts(t.db, tenantId)
        const logBefore = await listActivity(t.db, tenantId)
        expect(await applyLifecycleEvents(t.db, events)).toMatchObject({
          applied: 0,
          duplicates: 5,
          poisoned: 0,
        })
        expect(await tenantCounts(t.db, tenantId)).toEqual(before)
        expect(await listActivity(t.db, tenantId)).toEqual(logBefore)
        expect(before).toMatchObject({ accounts: 1, orders: 2, activity_log: 5, applied_events: 5 })
      })
    })

    describe('when the same order comes again under a new message id', () => {
      it('books it once and counts the copy as a duplicate', async () => {
        const tenantId = 't-reordered'
        const [group, order] = lifetime(tenantId)
        await applyLifecycleEvents(t.db, [group!, order!])
        const copy = { ...order!, messageId: 'another-message-id' }
        expect(await applyLifecycleEvents(t.db, [copy])).toMatchObject({
          applied: 0,
          duplicates: 1,
        })
        expect(await tenantCounts(t.db, tenantId)).toMatchObject({
          orders: 1,
          activity_log: 2,
          applied_events: 3,
        })
      })
    })
  },
)

describe.skipIf(!serverUrl)('when two processes apply the same batch at once', () => {
  let t: TestDatabase
  beforeAll(async () => {
    t = await createTestDatabase('server', { serverUrl })
    await addUser(t.db, 'robin')
  })
  afterAll(() => t?.drop())

  it('applies each event once', async () => {
    const tenants = Array.from({ length: 8 }, (_, i) => `t-race-${i}`)
    const batch = tenants.flatMap(lifetime)
    const other = await t.connect()
    const [a, b] = await Promise.all([
      applyLifecycleEvents(t.db, batch),
      applyLifecycleEvents(other, batch),
    ])
    expect(a.applied + b.applied).toBe(batch.length)
    expect(a.duplicates + b.duplicates).toBe(batch.length)
    expect(a.poisoned + b.poisoned).toBe(0)
    for (const tenantId of tenants) {
      expect(await tenantCounts(t.db, tenantId)).toEqual({
        accounts: 1,
        leads: 0,
        opportunities: 3,
        orders: 2,
        activity_log: 5,
        applied_events: 5,
        poison_events: 0,
      })
    }
  })
})
