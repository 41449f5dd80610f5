import { action, type Event, group, ORIGIN, renewed } from '../rules/test-stories.js'

// A small world with a known signal, for the churn model's tests: customers with 6 users
// who each use two modules on most days. A decliner's users leave one by one from its
// decline day and its `tasks` module goes quiet; it cancels `warning` days later. The
// others stay healthy, or dip and recover (the false alarms a model must weigh).
// Deterministic: the pattern of days comes from the tenant's index, not from chance.

export const WORLD_DAYS = 150
const DAY_MS = 86_400_000

export interface WorldTenant {
  id: string
  /** Day of the first lost user, or null. */
  declineDay: number | null
  /** Day of the cancellation, or null. */
  cancelDay: number | null
  recovers: boolean
}

function cancelled(tenant: string, day: number): Event {
  return {
    type: 'track',
    userId: `${tenant}-admin`,
    event: 'Subscription Cancelled',
    messageId: `${tenant}-cancelled-${day}`,
    timestamp: new Date(ORIGIN + day * DAY_MS + 4 * 3_600_000).toISOString(),
    properties: { plan: 'business', reason: 'not_using' },
    context: { groupId: tenant },
  }
}

/** The tenants of the world: `decliners` that cancel, `dippers` that recover, the rest healthy. */
export function worldTenants(options: { customers: number; decliners: number; dippers: number }) {
  const out: WorldTenant[] = []
  for (let i = 0; i < options.customers; i++) {
    const id = `m-${String(i).padStart(3, '0')}`
    if (i < options.decliners) {
      // Cancellations spread over days 60..140, each after 25 days of decline.
      const cancelDay = 60 + Math.round((i * 80) / Math.max(1, options.decliners - 1))
      out.push({ id, declineDay: cancelDay - 25, cancelDay, recovers: false })
    } else if (i < options.decliners + options.dippers) {
      const declineDay = 60 + ((i * 13) % 70)
      out.push({ id, declineDay, cancelDay: null, recovers: true })
    } else out.push({ id, declineDay: null, cancelDay: null, recovers: false })
  }
  return out
}

/** Users of a tenant still around on a day: 6, down by one every 4 decline days to 1. */
function usersOn(t: WorldTenant, day: number): number {
  if (t.declineDay === null || day < t.declineDay) return 6
  const lost = Math.min(5, Math.floor((day - t.declineDay) / 4) + 1)
  // A dip lasts 12 days, then everyone is back.
  if (t.recovers && day >= t.declineDay + 12) return 6
  return 6 - (t.recovers ? Math.min(lost, 2) : lost)
}

/** Every event of the world up to `lastDay` (default: the whole world). */
export function worldEvents(tenants: readonly WorldTenant[], lastDay = WORLD_DAYS - 1): Event[] {
  const events: Event[] = []
  for (const [index, t] of tenants.entries()) {
    events.push(group(t.id, { plan: 'business', seats: 8, mrr: 400 }))
    for (let day = 0; day <= lastDay; day++) {
      if (t.cancelDay !== null && day > t.cancelDay) break
      if (day % 30 === 10 && (t.cancelDay === null || day < t.cancelDay))
        events.push(renewed(t.id, day, 400))
      if (day === t.cancelDay) events.push(cancelled(t.id, day))
      const n = usersOn(t, day)
      for (let u = 1; u <= n; u++) {
        // Each user skips one day in seven, a different one per user and tenant.
        if ((day + u + index) % 7 === 0) continue
        events.push(action(t.id, `${t.id}-u${u}`, 'automation', day))
        const quiet = t.declineDay !== null && day >= t.declineDay + 3 && !t.recovers
        if (!quiet) events.push(action(t.id, `${t.id}-u${u}`, 'tasks', day, 1))
      }
    }
  }
  return events
}

export const worldDay = (n: number) => new Date(ORIGIN + n * DAY_MS).toISOString().slice(0, 10)
