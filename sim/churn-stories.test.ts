import { describe, expect, it } from 'vitest'
import { generateTenantDay } from './generate.js'
import { takesPart } from './seasonal-dips.js'
import { catalogue, START } from './test-support.js'
import { createWorld } from './world.js'
import type { Tenant } from './world-types.js'

// The customers' stories of decline, recovery and cancellation, as their events show
// them. The small preset holds too few of each, so this world is larger (3,000
// tenants, 120 days) and only its customers' events are generated.

const world = createWorld({
  seed: 'churn-stories',
  tenants: 3000,
  avgUsersPerTenant: 20,
  days: 120,
  start: START,
  modules: catalogue,
})
const customers = world.tenants.filter((t) => t.plan !== 'free')
const lifecycle = new Set(['Order Completed', 'Subscription Renewed', 'Subscription Cancelled'])

interface Usage {
  /** Per day: the users with any page view or feature event. */
  active: Set<string>[]
  /** Per day: feature events of the key module of a decline. */
  keyModule: number[]
}

const usage = new Map<string, Usage>()
for (const t of customers) {
  const u: Usage = { active: [], keyModule: [] }
  for (let day = 0; day < world.days; day++) {
    const active = new Set<string>()
    let key = 0
    generateTenantDay(world, t.index, day, (e) => {
      if (e.type === 'group' || e.type === 'identify') return
      if (e.type === 'track' && lifecycle.has(e.event)) return
      active.add(e.userId)
      if (e.type === 'track' && e.properties.module === t.hidden.decline?.keyModule) key++
    })
    u.active.push(active)
    u.keyModule.push(key)
  }
  usage.set(t.id, u)
}

/** User-days (daily active users summed) over days [from, to). */
function userDays(t: Tenant, from: number, to: number): number {
  let sum = 0
  for (let d = Math.max(0, from); d < Math.min(to, world.days); d++)
    sum += usage.get(t.id)!.active[d]!.size
  return sum
}

function distinctUsers(t: Tenant, from: number, to: number): number {
  const users = new Set<string>()
  for (let d = Math.max(0, from); d < Math.min(to, world.days); d++)
    for (const u of usage.get(t.id)!.active[d]!) users.add(u)
  return users.size
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length)
const decliners = customers.filter((t) => t.hidden.decline !== null)
const decline = (t: Tenant) => t.hidden.decline!
/** The day the decline's story moves on: its cancellation, its turn, or the run's end. */
const storyEnd = (t: Tenant) =>
  Math.min(t.hidden.churn?.day ?? world.days, decline(t).recoverDay ?? world.days, world.days)
/** Decliners whose two weeks before the start are in the run, as a baseline. */
const withBaseline = decliners.filter((t) => decline(t).startDay >= 14)
const baseline = (t: Tenant) => userDays(t, decline(t).startDay - 14, decline(t).startDay) / 2

describe('when a customer declines', () => {
  // Two weeks at the floor, before the story moves on.
  const atFloor = withBaseline.filter((t) => {
    const d = decline(t)
    return d.startDay + d.rampDays + 14 <= storyEnd(t) && baseline(t) >= 5
  })
  const floorWeek = (t: Tenant) => {
    const floorDay = decline(t).startDay + decline(t).rampDays
    return userDays(t, floorDay, floorDay + 14) / 2 / baseline(t)
  }

  it('falls to its floor: user-days under half of those before it', () => {
    expect(atFloor.length).toBeGreaterThanOrEqual(8)
    expect(mean(atFloor.map(floorWeek))).toBeLessThan(0.5)
  })

  it('loses users when they leave, keeps them when they come less often', () => {
    const distinct = (t: Tenant) => {
      const { startDay, rampDays } = decline(t)
      const before = distinctUsers(t, startDay - 14, startDay)
      return distinctUsers(t, startDay + rampDays, startDay + rampDays + 14) / Math.max(1, before)
    }
    const leave = atFloor.filter((t) => decline(t).kind === 'users_leave')
    const fade = atFloor.filter((t) => decline(t).kind === 'visits_fade')
    expect(leave.length).toBeGreaterThanOrEqual(3)
    expect(fade.length).toBeGreaterThanOrEqual(3)
    expect(mean(leave.map(distinct))).toBeLessThan(mean(fade.map(distinct)))
    // Those who stay still show up now and then: fewer fall away than user-days.
    expect(mean(fade.map(distinct))).toBeGreaterThan(mean(fade.map(floorWeek)))
  })

  it('erodes over weeks when slow, but within two weeks when fast', () => {
    const week = (t: Tenant, from: number) => userDays(t, from, from + 7) / baseline(t)
    const slow = withBaseline.filter(
      (t) => decline(t).speed === 'slow' && decline(t).startDay + 14 <= storyEnd(t),
    )
    const fast = withBaseline.filter(
      (t) => decline(t).speed === 'fast' && decline(t).startDay + 21 <= storyEnd(t),
    )
    expect(slow.length).toBeGreaterThanOrEqual(5)
    expect(fast.length).toBeGreaterThanOrEqual(5)
    expect(mean(slow.map((t) => week(t, decline(t).startDay)))).toBeGreaterThan(0.7)
    expect(mean(fast.map((t) => week(t, decline(t).startDay + 14)))).toBeLessThan(0.5)
    const rampWeeks = (t: Tenant) => decline(t).rampDays / 7
    expect(Math.min(...slow.map(rampWeeks))).toBeGreaterThanOrEqual(4)
    expect(Math.max(...fast.map(rampWeeks))).toBeLessThanOrEqual(2)
  })

  it('stops using its key module from its quiet day, which varies, until a full recovery', () => {
    for (const t of decliners) {
      const d = decline(t)
      const back = d.outcome === 'recovers' ? d.recoverDay! + 3 : world.days
      const used = usage.get(t.id)!.keyModule.slice(Math.max(0, d.keyModuleQuietDay), back)
      expect(used.filter((n) => n > 0)).toEqual([])
    }
    const quietAfter = decliners.map((t) => decline(t).keyModuleQuietDay - decline(t).startDay)
    expect(new Set(quietAfter).size).toBeGreaterThan(10)
    expect(Math.max(...quietAfter)).toBeGreaterThanOrEqual(21)
  })
})

describe('when a decline ends in a recovery', () => {
  const recovered = (outcome: string) =>
    withBaseline.filter((t) => {
      const d = decline(t)
      return d.outcome === outcome && d.recoverDay! + d.recoverDays + 14 <= world.days
    })
  const after = (t: Tenant) => {
    const { recoverDay, recoverDays } = decline(t)
    const from = recoverDay! + recoverDays
    return userDays(t, from, from + 14) / 2 / Math.max(1, baseline(t))
  }

  it('comes all the way back, or part of the way and stays there, and never cancels', () => {
    const full = recovered('recovers')
    const partly = recovered('recovers_partly')
    expect(full.length).toBeGreaterThanOrEqual(4)
    expect(partly.length).toBeGreaterThanOrEqual(4)
    expect(mean(full.map(after))).toBeGreaterThan(0.75)
    expect(mean(partly.map(after))).toBeLessThan(mean(full.map(after)))
    expect(partly.every((t) => decline(t).recoverTo < 1)).toBe(true)
    expect([...full, ...partly].filter((t) => t.hidden.churn !== null)).toEqual([])
  })
})

describe('when a customer cancels', () => {
  const churners = customers.filter((t) => t.hidden.churn !== null)
  const inRun = churners.filter((t) => t.hidden.churn!.day < world.days)
  const warning = (t: Tenant) =>
    t.hidden.decline === null ? 0 : t.hidden.churn!.day - t.hidden.decline.startDay

  it('mostly declines 3 to 10 weeks before, but a fifth to a third get little warning or none', () => {
    const little = inRun.filter((t) => warning(t) < 21)
    expect(inRun.length).toBeGreaterThanOrEqual(20)
    expect(little.length / inRun.length).toBeGreaterThan(0.15)
    expect(little.length / inRun.length).toBeLessThan(0.35)
    expect(inRun.some((t) => t.hidden.decline === null)).toBe(true)
    for (const t of inRun.filter((x) => warning(x) >= 21))
      expect(warning(t)).toBeLessThanOrEqual(70)
  })

  it('cancels in the 10 days before a renewal', () => {
    for (const t of churners) {
      const { day, periodDays } = t.renewal!
      const ahead =
        periodDays === 30
          ? (((day - t.hidden.churn!.day) % 30) + 30) % 30
          : day - t.hidden.churn!.day
      expect(ahead).toBeGreaterThanOrEqual(0)
      expect(ahead).toBeLessThanOrEqual(10)
    }
  })

  it('is, for some decliners, after the run: their decline is still under way at its end', () => {
    const later = churners.filter((t) => t.hidden.churn!.day >= world.days)
    expect(later.length).toBeGreaterThan(0)
    for (const t of later) expect(decline(t).startDay).toBeLessThanOrEqual(world.days - 7)
  })
})

describe('when a seasonal dip comes', () => {
  const healthy = customers.filter((t) => t.hidden.decline === null && t.hidden.churn === null)
  const working = (from: number, to: number) => {
    const ds: number[] = []
    for (let d = Math.max(0, from); d < Math.min(to, world.days); d++)
      if (world.dayFactor[d] === 1) ds.push(d)
    return ds
  }

  it('lowers the use of most tenants, healthy customers included', () => {
    expect(world.seasonalDips.length).toBeGreaterThan(0)
    world.seasonalDips.forEach((dip, i) => {
      const inDip = working(dip.startDay, dip.startDay + dip.days)
      const before = working(dip.startDay - 14, dip.startDay)
      const ratio = (t: Tenant) => {
        const perDay = (ds: number[]) => mean(ds.map((d) => usage.get(t.id)!.active[d]!.size))
        return perDay(inDip) / Math.max(0.1, perDay(before))
      }
      const part = healthy.filter((t) => takesPart(t, i) && userDays(t, 0, 14) >= 10)
      const rest = healthy.filter((t) => !takesPart(t, i) && userDays(t, 0, 14) >= 10)
      expect(part.length / (part.length + rest.length)).toBeGreaterThan(0.7)
      expect(mean(part.map(ratio))).toBeLessThan(0.85)
      expect(mean(part.map(ratio))).toBeLessThan(mean(rest.map(ratio)) - 0.1)
    })
  })

  it('leaves healthy customers as busy in their last week outside a dip as in their first', () => {
    const clear = (from: number) =>
      world.seasonalDips.every((dip) => from + 7 <= dip.startDay || from >= dip.startDay + dip.days)
    let first = 0
    while (!clear(first)) first++
    let last = world.days - 7
    while (!clear(last)) last--
    const week = (t: Tenant, from: number) => userDays(t, from, from + 7)
    expect(
      mean(healthy.map((t) => week(t, last))) / mean(healthy.map((t) => week(t, first))),
    ).toBeGreaterThan(0.85)
  })
})
