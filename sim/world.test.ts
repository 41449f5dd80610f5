import { describe, expect, it } from 'vitest'
import { catalogue, START, smallWorld } from './test-support.js'
import { createWorld } from './world.js'

describe('when a world is created', () => {
  const world = createWorld({
    seed: 'shape',
    tenants: 2000,
    avgUsersPerTenant: 240,
    days: 30,
    start: START,
    modules: catalogue,
  })

  it('names tenants t_00042 style, in index order', () => {
    expect(world.tenants[42]!.id).toBe('t_00042')
    expect(world.tenants.every((t, i) => t.index === i)).toBe(true)
  })

  it('makes 85% of tenants free and gives customers paid modules, seats, MRR and a renewal', () => {
    const free = world.tenants.filter((t) => t.plan === 'free')
    expect(free.length / world.tenants.length).toBeCloseTo(0.85, 2)
    for (const t of world.tenants) {
      if (t.plan === 'free') {
        expect([t.mrr, t.modules.length, t.renewal]).toEqual([0, 0, null])
      } else {
        expect(t.modules.length).toBeGreaterThan(0)
        expect(t.modules.every((m) => world.vocabulary.paidKeys.includes(m))).toBe(true)
        expect(t.mrr).toBeGreaterThan(0)
        expect(t.renewal).not.toBeNull()
      }
    }
  })

  it('spreads users with a heavy tail around the requested mean', () => {
    const users = world.tenants.map((t) => t.users).sort((a, b) => a - b)
    const mean = users.reduce((a, b) => a + b, 0) / users.length
    expect(mean).toBeGreaterThan(200)
    expect(mean).toBeLessThan(280)
    expect(users[Math.floor(users.length / 2)]!).toBeLessThan(mean * 0.7)
    expect(users[users.length - 1]!).toBeGreaterThan(mean * 10)
  })

  it('marks two working days as holidays and weekends as slow', () => {
    expect(world.holidays).toHaveLength(2)
    for (const d of world.holidays) expect(world.dayFactor[d]).toBeLessThan(0.5)
    expect(world.dayFactor[5]).toBeLessThan(0.5) // 2025-03-08, a Saturday
  })

  it('places a seasonal dip of one to two weeks for every ~75 days of run', () => {
    const dips = (days: number) =>
      createWorld({ seed: 'shape', tenants: 10, days, start: START, modules: catalogue })
        .seasonalDips
    expect(world.seasonalDips).toHaveLength(1)
    expect(dips(180)).toHaveLength(2)
    for (const dip of dips(180)) {
      expect(dip.days).toBeGreaterThanOrEqual(5)
      expect(dip.days).toBeLessThanOrEqual(12)
      expect(dip.startDay + dip.days).toBeLessThanOrEqual(180)
      expect(dip.depth).toBeGreaterThan(0.4)
      expect(dip.depth).toBeLessThan(0.8)
    }
  })
})

describe('when the small preset is created', () => {
  it('holds enough of every story for tests', () => {
    const hidden = smallWorld().tenants.map((t) => t.hidden)
    expect(hidden.filter((h) => h.intent !== null).length).toBeGreaterThanOrEqual(10)
    expect(hidden.filter((h) => h.intent?.outcome === 'converts').length).toBeGreaterThanOrEqual(5)
    expect(hidden.filter((h) => h.decline !== null).length).toBeGreaterThanOrEqual(5)
    expect(hidden.filter((h) => h.churn?.signalled).length).toBeGreaterThanOrEqual(3)
    expect(hidden.filter((h) => h.noise !== null).length).toBeGreaterThanOrEqual(5)
  })
})

describe('when the options are out of range', () => {
  const base = { seed: 's', tenants: 10, days: 5, start: START, modules: catalogue }

  it('refuses a start that is not a UTC midnight, and empty runs', () => {
    expect(() => createWorld({ ...base, start: new Date('2025-03-03T01:00:00Z') })).toThrow(
      RangeError,
    )
    expect(() => createWorld({ ...base, days: 0 })).toThrow(RangeError)
    expect(() => createWorld({ ...base, tenants: 0 })).toThrow(RangeError)
  })

  it('still builds a tiny world with every trait starting inside its days', () => {
    const world = createWorld({ ...base, tenants: 40, days: 3 })
    for (const t of world.tenants) {
      const { intent, decline, churn, noise } = t.hidden
      for (const day of [intent?.startDay, decline?.startDay, ...(noise?.days ?? [])]) {
        if (day !== undefined) expect(day).toBeLessThan(3)
      }
      // Only a decline under way at the run's end cancels after it.
      if (churn !== null && churn.day >= 3) expect(decline?.outcome).toBe('cancels')
    }
    expect(world.seasonalDips).toEqual([])
  })
})
