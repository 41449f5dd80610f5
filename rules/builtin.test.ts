import { beforeAll, describe, expect, it } from 'vitest'
import type { ClickHouse } from '../platform/clickhouse.js'
import { useTestClickHouse } from '../test/clickhouse.js'
import { useTestPostgres } from '../test/postgres.js'
import { loadBuiltinRules } from './builtin.js'
import { evaluateRules, type Firing } from './evaluate.js'
import { createTestIngest, testModules } from './test-ingest.js'
import { AS_OF_DAY, dayDate, storyEvents, storyExpectations } from './test-stories.js'

let ch: ClickHouse
let firings: Firing[]
beforeAll(async () => {
  ch = await useTestClickHouse()
  await createTestIngest(ch, { db: await useTestPostgres() })(storyEvents())
  firings = await evaluateRules(ch, loadBuiltinRules(testModules()), {
    asOf: dayDate(AS_OF_DAY),
    modules: testModules(),
  })
})

const firingOf = (tenantId: string) => {
  const found = firings.filter((f) => f.tenantId === tenantId)
  expect(found).toHaveLength(1)
  return found[0]!
}
const asOf = dayDate(AS_OF_DAY).toISOString().slice(0, 10)

describe('the built-in rules on a world of one story a tenant', () => {
  it('fire each on its own tenant and on no other', () => {
    const fired = firings.map((f) => `${f.tenantId} ${f.ruleId}`).sort()
    const expected = Object.entries(storyExpectations)
      .filter(([, rule]) => rule !== null)
      .map(([tenant, rule]) => `${tenant} ${rule}`)
      .sort()
    expect(fired).toEqual(expected)
  })

  it('paid-module interest: tags the module, with 3 users, 5 views and 1 pricing view', () => {
    expect(firingOf('free-interest')).toEqual({
      ruleId: 'paid-module-interest',
      kind: 'abm',
      tenantId: 'free-interest',
      module: 'analytics',
      asOf,
      score: 70,
      intentTag: 'module:analytics',
      evidence: { module_users_7d: 3, module_views_7d: 5, pricing_views_7d: 1 },
    })
  })

  it('pricing revisits: 4 days and 6 views in 14 days', () => {
    const f = firingOf('free-pricing')
    expect(f.intentTag).toBe('pricing')
    expect(f.evidence).toEqual({ pricing_days_14d: 4, pricing_views_14d: 6 })
  })

  it('limit pressure: 5 of 5 seats active', () => {
    expect(firingOf('free-full').evidence).toEqual({
      seat_use_7d: 1,
      seat_use_7d_active_users: 5,
      seat_use_7d_seats: 5,
      active_users_7d: 5,
    })
  })

  it('usage drop: 6 weekly users down to 2, 42 user-days down to 14', () => {
    const change = ((2 - 6) * 100) / 6
    expect(firingOf('cust-drop')).toMatchObject({
      ruleId: 'usage-drop',
      severity: 'medium',
      title: 'Weekly active users -66.67% (6 → 2), user-days -66.67%',
      evidence: {
        wau_change: change,
        wau_change_current: 2,
        wau_change_previous: 6,
        user_days_change: change,
        user_days_change_current: 14,
        user_days_change_previous: 42,
        wau_before: 6,
      },
    })
  })

  it('inactivity: 13 whole idle days since day 14', () => {
    expect(firingOf('cust-idle')).toMatchObject({
      severity: 'high',
      title: 'No activity for 13 days',
      evidence: { idle_days: 13 },
    })
  })

  it('low seat utilisation: 3 of 20 seats', () => {
    expect(firingOf('cust-seats')).toMatchObject({
      severity: 'low',
      title: '3 of 20 seats used in 14 days',
      evidence: { seat_use_14d: 0.15, seat_use_14d_active_users: 3, seat_use_14d_seats: 20 },
    })
  })

  it('key-module abandonment: names the module, with the 14 actions before', () => {
    expect(firingOf('cust-abandon')).toMatchObject({
      module: 'analytics',
      title: 'Advanced Analytics unused this week after 14 actions the week before',
      evidence: { actions_now: 0, actions_before: 14 },
    })
  })

  it('renewal at risk: renewal in 14 days, user-days down 60% over 14 days', () => {
    expect(firingOf('cust-renewal')).toMatchObject({
      severity: 'high',
      title: 'Renewal in about 14 days, usage weak',
      evidence: {
        renewal_in_days: 14,
        user_days_change_14d: -60,
        user_days_change_14d_current: 28,
        user_days_change_14d_previous: 70,
        seat_use_14d: 0.2,
      },
    })
  })
})
