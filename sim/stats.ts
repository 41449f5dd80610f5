import { quantileSorted } from 'simple-statistics'
import { type ChurnStats, churnStats } from './churn-stats.js'
import type { SimEvent } from './event-types.js'
import { generateDay } from './generate.js'
import type { World } from './world-types.js'

// Figures of a world measured the honest way: by generating its events and counting.
// At the full scale this takes a while (tens of millions of events); nothing is kept.

export interface WorldStats {
  tenants: number
  users: number
  days: number
  events: number
  eventsPerDay: number[]
  eventsByType: Record<SimEvent['type'], number>
  /** Events per tenant over the days measured. */
  perTenant: { mean: number; p50: number; p90: number; p99: number; max: number }
  /** Distinct active users, averaged over the days. */
  meanDailyActiveUsers: number
  /** Events per user and day: what scales a world to another size. */
  eventsPerUserDay: number
  freeShare: number
  /** Free tenants (on day 0) with an `Order Completed` in the days measured. */
  conversionBaseRate: number
  /** Paying tenants (on day 0) with a `Subscription Cancelled` in the days measured. */
  churnBaseRate: number
  orders: number
  renewals: number
  cancellations: number
  /** How long before each cancellation the world shows it coming. */
  churn: ChurnStats
  generationSeconds: number
  eventsPerSecond: number
}

const round = (x: number, digits = 4) => Number(x.toFixed(digits))

export function worldStats(world: World, days = world.days): WorldStats {
  const measured = Math.min(days, world.days)
  const perTenant = new Float64Array(world.tenants.length)
  const ordered = new Set<string>()
  const cancelled = new Set<string>()
  const eventsByType = { track: 0, page: 0, identify: 0, group: 0 }
  const eventsPerDay: number[] = []
  let orders = 0
  let renewals = 0
  let cancellations = 0
  let activeUserDays = 0
  // Distinct active users per tenant and day, tenant-major.
  const dailyActive = new Uint32Array(world.tenants.length * measured)
  const began = performance.now()
  for (let day = 0; day < measured; day++) {
    let count = 0
    for (let i = 0; i < world.tenants.length; i++) {
      // Users belong to one tenant, so distinct users per tenant-day add up to the day's.
      const users = new Set<string>()
      generateDay(
        world,
        day,
        (event) => {
          count++
          perTenant[i]!++
          eventsByType[event.type]++
          users.add(event.userId)
          if (event.type !== 'track') return
          if (event.event === 'Order Completed') {
            orders++
            ordered.add(world.tenants[i]!.id)
          } else if (event.event === 'Subscription Renewed') {
            renewals++
          } else if (event.event === 'Subscription Cancelled') {
            cancellations++
            cancelled.add(world.tenants[i]!.id)
          }
        },
        { from: i, to: i + 1 },
      )
      activeUserDays += users.size
      dailyActive[i * measured + day] = users.size
    }
    eventsPerDay.push(count)
  }
  const generationSeconds = (performance.now() - began) / 1000
  const events = eventsPerDay.reduce((a, b) => a + b, 0)
  const sorted = Array.from(perTenant).sort((a, b) => a - b)
  const free = world.tenants.filter((t) => t.plan === 'free')
  const paying = world.tenants.filter((t) => t.plan !== 'free')
  const users = world.tenants.reduce((sum, t) => sum + t.users, 0)
  return {
    tenants: world.tenants.length,
    users,
    days: measured,
    events,
    eventsPerDay,
    eventsByType,
    perTenant: {
      mean: round(events / Math.max(1, sorted.length), 1),
      p50: Math.round(quantileSorted(sorted, 0.5)),
      p90: Math.round(quantileSorted(sorted, 0.9)),
      p99: Math.round(quantileSorted(sorted, 0.99)),
      max: sorted[sorted.length - 1] ?? 0,
    },
    meanDailyActiveUsers: Math.round(activeUserDays / Math.max(1, measured)),
    eventsPerUserDay: round(events / Math.max(1, users * measured)),
    freeShare: round(free.length / world.tenants.length),
    conversionBaseRate: round(
      free.filter((t) => ordered.has(t.id)).length / Math.max(1, free.length),
    ),
    churnBaseRate: round(
      paying.filter((t) => cancelled.has(t.id)).length / Math.max(1, paying.length),
    ),
    orders,
    renewals,
    cancellations,
    churn: churnStats(world, measured, (i) =>
      dailyActive.subarray(i * measured, (i + 1) * measured),
    ),
    generationSeconds: round(generationSeconds, 2),
    eventsPerSecond: Math.round(events / Math.max(generationSeconds, 1e-9)),
  }
}
