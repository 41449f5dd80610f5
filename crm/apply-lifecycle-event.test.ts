import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { getAccount, lockAccount } from './accounts.js'
import { listActivity } from './activity-log.js'
import { applyLifecycleEvents } from './apply-lifecycle-event.js'
import { applyTransition } from './apply-transition.js'
import { availableEngines, createTestDatabase, type TestDatabase } from './test-database.js'
import { groupCall, lifetime } from './test-events.js'
import { addUser } from './test-fixtures.js'

vi.setConfig({ testTimeout: 60_000, hookTimeout: 120_000 })

const serverUrl = process.env.DATABASE_URL

describe.each(availableEngines(serverUrl))('lifecycle events applied on %s Postgres', (engine) => {
  let t: TestDatabase
  let csmId: string
  beforeAll(async () => {
    t = await createTestDatabase(engine, { serverUrl })
    csmId = await addUser(t.db, 'casey')
  })
  afterAll(() => t?.drop())

  describe('when a lead goes through group, order, renewal, cancellation and win-back', () => {
    const tenantId = 't-lifetime'
    beforeAll(async () => {
      const [group, ...rest] = lifetime(tenantId)
      await applyLifecycleEvents(t.db, [group!])
      // A rep enters an MQL through the API path before the first order.
      await t.db.transaction(async (tx) => {
        const account = await lockAccount(tx, tenantId)
        const entered = await applyTransition(
          tx,
          account!,
          { type: 'lead_entered', source: 'mql' },
          {
            actor: 'user:7',
            at: new Date('2024-01-15T09:00:00Z'),
            lead: { score: 40, intentTags: ['sso'] },
          },
        )
        expect(entered).toEqual({ ok: true, from: 'prospect', to: 'lead' })
      })
      expect(await applyLifecycleEvents(t.db, rest)).toMatchObject({
        applied: 4,
        duplicates: 0,
        poisoned: 0,
      })
    })

    it('writes one activity row per transition: who, from, to and why', async () => {
      const log = await listActivity(t.db, tenantId)
      expect(
        log.map(({ actor, action, fromState, toState, reason }) => ({
          actor,
          action,
          fromState,
          toState,
          reason,
        })),
      ).toEqual([
        {
          actor: 'crm-sync',
          action: 'account_created',
          fromState: null,
          toState: 'prospect',
          reason: 'first group call',
        },
        {
          actor: 'user:7',
          action: 'lead_entered',
          fromState: 'prospect',
          toState: 'lead',
          reason: 'lead entered',
        },
        {
          actor: 'crm-sync',
          action: 'order_completed',
          fromState: 'lead',
          toState: 'customer',
          reason: 'first order of a lead (order A-1)',
        },
        {
          actor: 'crm-sync',
          action: 'subscription_renewed',
          fromState: 'customer',
          toState: 'customer',
          reason: 'subscription renewed',
        },
        {
          actor: 'crm-sync',
          action: 'subscription_cancelled',
          fromState: 'customer',
          toState: 'churned',
          reason: 'subscription cancelled (budget cut)',
        },
        {
          actor: 'crm-sync',
          action: 'order_completed',
          fromState: 'churned',
          toState: 'customer',
          reason: 'win-back order of a churned account (order A-2)',
        },
      ])
      expect(log[2]!.at).toEqual(new Date('2024-02-01T12:00:00Z'))
      expect(log[2]!.messageId).toBe(`${tenantId}-o1`)
      expect(log[2]!.details).toMatchObject({ csmId, orderId: 'A-1' })
    })

    it('ends a customer owned by customer success with its CSM kept', async () => {
      expect(await getAccount(t.db, tenantId)).toMatchObject({
        lifecycle: 'customer',
        ownerTeam: 'cs',
        csmId,
        ownerId: csmId,
        name: 'Acme',
        seats: 5,
      })
    })

    it('closed the lead as converted and hung each order off a won opportunity', async () => {
      const leads = await t.db.query(
        'SELECT source, status, score, intent_tags FROM leads WHERE tenant_id = $1',
        [tenantId],
      )
      expect(leads.rows).toEqual([
        { source: 'mql', status: 'converted', score: 40, intent_tags: ['sso'] },
      ])
      const deals = await t.db.query(
        `SELECT o.kind, o.status, o.amount, r.order_id, r.revenue, r.modules
         FROM opportunities o LEFT JOIN orders r ON r.opportunity_id = o.id
         WHERE o.tenant_id = $1 ORDER BY o.id`,
        [tenantId],
      )
      expect(deals.rows).toEqual([
        {
          kind: 'new',
          status: 'won',
          amount: '1200.00',
          order_id: 'A-1',
          revenue: '1200.00',
          modules: ['reports', 'sso'],
        },
        {
          kind: 'renewal',
          status: 'won',
          amount: '1300.00',
          order_id: null,
          revenue: null,
          modules: null,
        },
        {
          kind: 'new',
          status: 'won',
          amount: '900.00',
          order_id: 'A-2',
          revenue: '900.00',
          modules: [],
        },
      ])
    })
  })

  describe('when a group call arrives after a newer one', () => {
    it('keeps the newer traits', async () => {
      const tenantId = 't-late-traits'
      await applyLifecycleEvents(t.db, [
        groupCall(tenantId, 'l2', '2024-05-02', { name: 'New name', seats: 9 }),
      ])
      await applyLifecycleEvents(t.db, [
        groupCall(tenantId, 'l1', '2024-05-01', { name: 'Old name', seats: 3 }),
      ])
      expect(await getAccount(t.db, tenantId)).toMatchObject({ name: 'New name', seats: 9 })
    })
  })

  describe('when a tenant is first seen on a paid plan', () => {
    it('starts as a customer with a CSM', async () => {
      const tenantId = 't-born-paying'
      await applyLifecycleEvents(t.db, [
        groupCall(tenantId, 'b1', '2024-01-01', { plan: 'business', mrr: '450.5' }),
      ])
      expect(await getAccount(t.db, tenantId)).toMatchObject({
        lifecycle: 'customer',
        ownerTeam: 'cs',
        csmId,
        mrr: '450.50',
      })
      const [created] = await listActivity(t.db, tenantId)
      expect(created).toMatchObject({
        action: 'account_created',
        toState: 'customer',
        reason: 'first group call, already on paid plan business',
      })
    })
  })
})
