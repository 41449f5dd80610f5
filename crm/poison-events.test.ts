import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { getAccount } from './accounts.js'
import { applyLifecycleEvents } from './apply-lifecycle-event.js'
import { retryPoisonEvents } from './retry-poison-events.js'
import { availableEngines, createTestDatabase, type TestDatabase } from './test-database.js'
import { groupCall, orderCompleted, subscriptionCancelled } from './test-events.js'
import { addUser, tenantCounts } from './test-fixtures.js'

vi.setConfig({ testTimeout: 60_000, hookTimeout: 120_000 })

const serverUrl = process.env.DATABASE_URL

describe.each(availableEngines(serverUrl))('poison lifecycle events on %s Postgres', (engine) => {
  let t: TestDatabase
  beforeAll(async () => {
    t = await createTestDatabase(engine, { serverUrl })
    await addUser(t.db, 'casey')
  })
  afterAll(() => t?.drop())

  describe('when a batch holds poison events between good ones', () => {
    it('keeps each poison event with its reason and still applies the rest', async () => {
      const tenantId = 't-poisoned'
      const summary = await applyLifecycleEvents(t.db, [
        groupCall(tenantId, 'p1', '2024-03-01', { name: 'Poisoned Ltd', plan: 'free' }),
        orderCompleted('t-never-grouped', 'p2', '2024-03-02', { orderId: 'X-1', revenue: 10 }),
        groupCall(tenantId, 'p3', '2024-03-03', { seats: -4 }),
        subscriptionCancelled(tenantId, 'p4', '2024-03-04'),
        orderCompleted(tenantId, 'p5', '2024-03-05', { revenue: 10 }),
        {
          tenantId,
          messageId: 'p6',
          timestamp: 'not a time',
          type: 'track',
          event: 'Order Completed',
        },
        {
          tenantId,
          messageId: 'p7',
          timestamp: '2024-03-07T00:00:00Z',
          type: 'track',
          event: 'Page Viewed',
        },
        orderCompleted(tenantId, 'p8', '2024-03-08', { orderId: 'P-1', revenue: '99.90' }),
      ])
      expect(summary).toMatchObject({ applied: 2, duplicates: 0, poisoned: 6 })
      const poison = await t.db.query<{ message_id: string; reason: string }>(
        `SELECT message_id, reason FROM poison_events WHERE message_id LIKE 'p%' ORDER BY message_id`,
      )
      expect(poison.rows).toEqual([
        { message_id: 'p2', reason: 'unknown_account' },
        { message_id: 'p3', reason: 'invalid_traits' },
        { message_id: 'p4', reason: 'illegal_transition' },
        { message_id: 'p5', reason: 'invalid_order' },
        { message_id: 'p6', reason: 'invalid_event' },
        { message_id: 'p7', reason: 'unsupported_event' },
      ])
      expect(await getAccount(t.db, tenantId)).toMatchObject({ lifecycle: 'customer' })
      const again = await applyLifecycleEvents(t.db, [
        subscriptionCancelled(tenantId, 'p4', '2024-03-04'),
      ])
      expect(again).toMatchObject({ duplicates: 1, poisoned: 0 })
    })
  })

  describe('when the database refuses what an event would write', () => {
    it('poisons the event as a constraint violation and undoes its partial work', async () => {
      const tenantId = 't-refused'
      await applyLifecycleEvents(t.db, [groupCall(tenantId, 'v1', '2024-04-01', { plan: 'free' })])
      await t.db.query(`ALTER TABLE orders ADD CONSTRAINT test_orders_small CHECK (revenue < 5000)`)
      try {
        const summary = await applyLifecycleEvents(t.db, [
          orderCompleted(tenantId, 'v2', '2024-04-02', { orderId: 'BIG', revenue: 6000 }),
        ])
        expect(summary.poison).toEqual([
          {
            tenantId,
            messageId: 'v2',
            reason: 'constraint_violation',
            detail: expect.stringMatching(/^CRM_INVALID_VALUE/),
          },
        ])
      } finally {
        await t.db.query('ALTER TABLE orders DROP CONSTRAINT test_orders_small')
      }
      expect(await getAccount(t.db, tenantId)).toMatchObject({
        lifecycle: 'prospect',
        ownerTeam: 'sales',
      })
      expect(await tenantCounts(t.db, tenantId)).toMatchObject({
        opportunities: 0,
        orders: 0,
        activity_log: 1,
        applied_events: 2,
        poison_events: 1,
      })
    })
  })

  describe('when an order arrives before the first group call of its tenant', () => {
    it('is set aside as unknown_account, then applied by a retry once the group call is in', async () => {
      const tenantId = 't-early-order'
      const order = orderCompleted(tenantId, 'e2', '2024-04-02', { orderId: 'E-1', revenue: 50 })
      expect(await applyLifecycleEvents(t.db, [order])).toMatchObject({ poisoned: 1 })
      expect(await retryPoisonEvents(t.db, { tenantId })).toMatchObject({ applied: 0, poisoned: 1 })
      await applyLifecycleEvents(t.db, [groupCall(tenantId, 'e1', '2024-04-01', { plan: 'free' })])
      expect(await retryPoisonEvents(t.db, { tenantId })).toMatchObject({ applied: 1, poisoned: 0 })
      expect(await getAccount(t.db, tenantId)).toMatchObject({ lifecycle: 'customer' })
      expect(await tenantCounts(t.db, tenantId)).toMatchObject({
        orders: 1,
        applied_events: 2,
        poison_events: 0,
      })
      expect(await applyLifecycleEvents(t.db, [order])).toMatchObject({ duplicates: 1 })
    })
  })
})
