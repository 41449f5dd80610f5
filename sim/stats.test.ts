import { describe, expect, it } from 'vitest'
import { worldStats } from './stats.js'
import { smallWorld } from './test-support.js'
import { scales } from './world.js'

describe('when the small preset is measured', () => {
  const stats = worldStats(smallWorld())

  it('generates a volume within bounds', () => {
    expect(stats.events).toBeGreaterThan(50_000)
    expect(stats.events).toBeLessThan(250_000)
  })

  it('runs at a rate per user and day that keeps the full preset at 20–60 million events', () => {
    const { tenants, avgUsersPerTenant, days } = scales.full
    const projected = stats.eventsPerUserDay * tenants * avgUsersPerTenant * days
    expect(projected).toBeGreaterThan(20e6)
    expect(projected).toBeLessThan(60e6)
  })

  it('keeps most users inactive on a given day', () => {
    expect(stats.meanDailyActiveUsers / stats.users).toBeLessThan(0.2)
  })

  it('is much quieter on weekends', () => {
    // 2025-03-03 is a Monday: days 5 and 6 are the first weekend.
    const weekday = stats.eventsPerDay[1]!
    expect(stats.eventsPerDay[5]!).toBeLessThan(weekday * 0.4)
    expect(stats.eventsPerDay[6]!).toBeLessThan(weekday * 0.4)
  })

  it('reports the base rates of conversion and churn', () => {
    expect(stats.freeShare).toBeCloseTo(0.85, 2)
    expect(stats.conversionBaseRate).toBeGreaterThan(0)
    expect(stats.conversionBaseRate).toBeLessThan(0.15)
    expect(stats.churnBaseRate).toBeGreaterThan(0)
    expect(stats.perTenant.p50).toBeLessThanOrEqual(stats.perTenant.p90)
    expect(stats.perTenant.p99).toBeLessThanOrEqual(stats.perTenant.max)
  })
})

describe('when the warning before cancellations is measured', () => {
  const world = smallWorld()
  const { churn } = worldStats(world)
  const cancelling = world.tenants.filter(
    (t) => t.plan !== 'free' && t.hidden.churn !== null && t.hidden.churn.day < world.days,
  )

  it('counts the churners, and those with no decline before the cancellation', () => {
    expect(churn.churners).toBe(cancelling.length)
    expect(churn.withoutDecline).toBe(cancelling.filter((t) => t.hidden.decline === null).length)
  })

  it('spreads the days from each decline to its cancellation', () => {
    const leads = cancelling
      .filter((t) => t.hidden.decline !== null)
      .map((t) => t.hidden.churn!.day - t.hidden.decline!.startDay)
    expect(churn.declineToCancel).toMatchObject({
      min: Math.min(...leads),
      max: Math.max(...leads),
    })
    const { min, p25, median, p75, max } = churn.declineToCancel!
    expect([min, p25, median, p75, max]).toEqual([min, p25, median, p75, max].sort((a, b) => a - b))
  })

  it('gives shares of customers whose user-days halved within [0, 1]', () => {
    for (const share of Object.values(churn.halvedWeek)) {
      expect(share).toBeGreaterThanOrEqual(0)
      expect(share).toBeLessThanOrEqual(1)
    }
  })
})
