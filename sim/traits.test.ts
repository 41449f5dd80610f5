import { describe, expect, it } from 'vitest'
import type { SimEvent } from './event-types.js'
import { groundTruth } from './ground-truth.js'
import { createPathMatcher } from './match-path.js'
import { eventsByDay, smallWorld, tenantOf } from './test-support.js'
import type { Tenant } from './world-types.js'

// The hidden traits must show in the data the way the rules will look for them.

const world = smallWorld()
const days = eventsByDay(world)
const byTenant = new Map<string, { day: number; event: SimEvent }[]>()
days.forEach((events, day) => {
  for (const event of events) {
    const id = tenantOf(event)
    let list = byTenant.get(id)
    if (list === undefined) {
      list = []
      byTenant.set(id, list)
    }
    list.push({ day, event })
  }
})
const eventsOf = (t: Tenant) => byTenant.get(t.id) ?? []
const tracked = (t: Tenant, name: string) =>
  eventsOf(t).filter(({ event }) => event.type === 'track' && event.event === name)
const resolve = createPathMatcher(world.catalogue)
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length)

/** Page views (pricing included) of one module per day, over days [from, to). */
function moduleViewsPerDay(t: Tenant, module: string, from: number, to: number): number {
  const views = eventsOf(t).filter(
    ({ day, event }) =>
      day >= from &&
      day < to &&
      event.type === 'page' &&
      resolve(event.properties.path)?.module === module,
  ).length
  return views / Math.max(1, to - from)
}

describe('when a free tenant shows buying intent', () => {
  const intents = world.tenants.filter((t) => t.hidden.intent !== null)
  const quiet = world.tenants.filter((t) => t.plan === 'free' && t.hidden.intent === null)

  it('exists in the small world at least ten times', () => {
    expect(intents.length).toBeGreaterThanOrEqual(10)
  })

  it('views its paid module far more than free tenants without intent do', () => {
    const during = intents.map((t) => {
      const { module, startDay, endDay } = t.hidden.intent!
      return moduleViewsPerDay(t, module, startDay, Math.min(endDay, world.days))
    })
    const baseline = world.vocabulary.paidKeys.map((module) =>
      mean(quiet.map((t) => moduleViewsPerDay(t, module, 0, world.days))),
    )
    const sorted = [...during].sort((a, b) => a - b)
    expect(sorted[Math.floor(sorted.length / 2)]!).toBeGreaterThan(10 * Math.max(...baseline))
  })
})

describe('when an intent tenant converts within the run', () => {
  const converters = world.tenants.filter(
    (t) => t.hidden.intent?.outcome === 'converts' && t.hidden.order!.day < world.days,
  )

  it('emits exactly one Order Completed, on its order day, after intent started', () => {
    expect(converters.length).toBeGreaterThanOrEqual(3)
    for (const t of converters) {
      const orders = tracked(t, 'Order Completed')
      expect(orders).toHaveLength(1)
      expect(orders[0]!.day).toBe(t.hidden.order!.day)
      expect(orders[0]!.day).toBeGreaterThan(t.hidden.intent!.startDay)
      const props = (orders[0]!.event as { properties: Record<string, unknown> }).properties
      expect(props.products).toEqual([{ module: t.hidden.intent!.module }])
      expect(props.revenue).toBeGreaterThan(0)
    }
  })

  it('announces its new plan with a group call the same day', () => {
    for (const t of converters) {
      const groups = eventsOf(t).filter(({ event }) => event.type === 'group')
      const last = groups[groups.length - 1]!
      expect(last.day).toBe(t.hidden.order!.day)
      expect(last.event.type === 'group' && last.event.traits.plan).toBe(t.hidden.order!.plan)
    }
  })
})

describe('when a free tenant has no order in its traits', () => {
  it('never emits Order Completed', () => {
    const buyers = world.tenants.filter((t) => t.plan === 'free' && t.hidden.order === null)
    expect(buyers.flatMap((t) => tracked(t, 'Order Completed'))).toEqual([])
  })
})

// Declines, recoveries and cancellations: churn-stories.test.ts, on a larger world.

describe('when a customer churns within the run', () => {
  const churners = world.tenants.filter(
    (t) => t.hidden.churn !== null && t.hidden.churn.day < world.days,
  )

  it('emits one Subscription Cancelled on its cancel day and no renewal after it', () => {
    expect(churners.filter((t) => t.hidden.churn!.signalled).length).toBeGreaterThanOrEqual(3)
    for (const t of churners) {
      const cancels = tracked(t, 'Subscription Cancelled')
      expect(cancels.map((c) => c.day)).toEqual([t.hidden.churn!.day])
      expect(
        tracked(t, 'Subscription Renewed').filter((r) => r.day >= t.hidden.churn!.day),
      ).toEqual([])
    }
  })

  it('is the only kind of tenant that cancels', () => {
    const others = world.tenants.filter((t) => t.hidden.churn === null)
    expect(others.flatMap((t) => tracked(t, 'Subscription Cancelled'))).toEqual([])
  })
})

describe('when the ground truth is written beside the events', () => {
  const truth = groundTruth(world)

  it('is plain JSON', () => {
    expect(JSON.parse(JSON.stringify(truth))).toEqual(truth)
  })

  it('leaks none of its hidden fields into any event', () => {
    const publicNames = new Set(['tenantId', 'plan', 'users', 'seats', 'mrr', 'modules', 'module'])
    const hidden = new Set<string>()
    const collect = (value: unknown): void => {
      if (Array.isArray(value)) value.forEach(collect)
      else if (value !== null && typeof value === 'object') {
        for (const [k, v] of Object.entries(value)) {
          if (!publicNames.has(k)) hidden.add(k)
          collect(v)
        }
      }
    }
    collect(truth.tenants)
    expect(hidden.has('intent') && hidden.has('startDay')).toBe(true)
    const leaked = new Set<string>()
    const scan = (value: unknown): void => {
      if (Array.isArray(value)) value.forEach(scan)
      else if (value !== null && typeof value === 'object') {
        for (const [k, v] of Object.entries(value)) {
          if (hidden.has(k)) leaked.add(k)
          scan(v)
        }
      } else if (
        typeof value === 'string' &&
        /intent|declin|churn|drift|noise|upsell/i.test(value)
      ) {
        leaked.add(value)
      }
    }
    for (const events of days) scan(events)
    expect([...leaked]).toEqual([])
  })
})
