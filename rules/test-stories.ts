// A hand-made world for the rules' tests: one tenant per built-in rule, built so that
// exactly that rule fires on it as of DAY 28, plus tenants that must fire nothing.
// Every figure is small enough to count by hand; the comments give the counts.

export const ORIGIN = Date.UTC(2025, 2, 1) // day 0 is 2025-03-01, a Saturday
const DAY_MS = 86_400_000

/** The UTC midnight that starts day `n`. */
export const dayDate = (n: number) => new Date(ORIGIN + n * DAY_MS)

/** Evaluated as of day 28: the 7-day window is days 21..27, the one before 14..20. */
export const AS_OF_DAY = 28

const at = (day: number, hour: number) => new Date(ORIGIN + day * DAY_MS + hour * 3_600_000)

export type Event = Record<string, unknown>

export function group(tenant: string, traits: Record<string, unknown>, day = 0): Event {
  return {
    type: 'group',
    userId: `${tenant}-admin`,
    groupId: tenant,
    messageId: `${tenant}-group-${day}-${JSON.stringify(traits).length}`,
    timestamp: at(day, 1).toISOString(),
    traits,
  }
}

export function page(tenant: string, user: string, path: string, day: number, n = 0): Event {
  return {
    type: 'page',
    userId: user,
    messageId: `${tenant}-${user}-page-${day}-${path}-${n}`,
    timestamp: at(day, 9 + n).toISOString(),
    properties: { path },
    context: { groupId: tenant },
  }
}

export function action(tenant: string, user: string, module: string, day: number, n = 0): Event {
  return {
    type: 'track',
    userId: user,
    event: 'Item Saved',
    messageId: `${tenant}-${user}-track-${day}-${module}-${n}`,
    timestamp: at(day, 10 + n).toISOString(),
    properties: { module },
    context: { groupId: tenant },
  }
}

/** An order, which makes a free tenant a customer in the CRM (crm-sync). */
export function ordered(tenant: string, day: number, module: string, revenue: number): Event {
  return {
    type: 'track',
    userId: `${tenant}-admin`,
    event: 'Order Completed',
    messageId: `${tenant}-order-${day}`,
    timestamp: at(day, 2).toISOString(),
    properties: { orderId: `${tenant}-${day}`, revenue, products: [{ module }] },
    context: { groupId: tenant },
  }
}

export function renewed(tenant: string, day: number, revenue: number): Event {
  return {
    type: 'track',
    userId: `${tenant}-admin`,
    event: 'Subscription Renewed',
    messageId: `${tenant}-renewed-${day}`,
    timestamp: at(day, 3).toISOString(),
    properties: { plan: 'starter', revenue, currency: 'USD' },
    context: { groupId: tenant },
  }
}

const range = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i)
const users = (tenant: string, n: number) => range(1, n).map((i) => `${tenant}-u${i}`)

/** Each user does one action on `module` on each of the days. */
function daily(tenant: string, who: string[], module: string, days: number[]): Event[] {
  return who.flatMap((u) => days.map((d) => action(tenant, u, module, d)))
}

/** The tenants and the one built-in rule each must fire (null: none). */
export const storyExpectations: Readonly<Record<string, string | null>> = {
  'free-interest': 'paid-module-interest',
  'free-pricing': 'pricing-page-revisits',
  'free-full': 'free-plan-limit-pressure',
  'free-noise': null,
  'cust-healthy': null,
  'cust-drop': 'usage-drop',
  'cust-idle': 'inactivity',
  'cust-seats': 'low-seat-utilisation',
  'cust-abandon': 'key-module-abandoned',
  'cust-renewal': 'renewal-at-risk',
}

export function storyEvents(): Event[] {
  const e: Event[] = []
  const paid = (plan: string, seats: number, mrr: number) => ({ plan, seats, mrr })
  // 3 users, 5 views of analytics pages and 1 of its pricing in days 21..27.
  e.push(group('free-interest', { plan: 'free', seats: 10 }))
  e.push(page('free-interest', 'a1', '/apps/analytics/reports', 22))
  e.push(page('free-interest', 'a1', '/reports/q1', 24))
  e.push(page('free-interest', 'a2', '/apps/analytics/home', 23))
  e.push(page('free-interest', 'a2', '/apps/analytics/home', 25))
  e.push(page('free-interest', 'a3', '/apps/analytics/new', 26))
  e.push(page('free-interest', 'a1', '/pricing/analytics', 25))
  // Pricing pages on 4 days of 14..27, 6 views.
  e.push(group('free-pricing', { plan: 'free', seats: 5 }))
  for (const [day, n] of [
    [15, 2],
    [18, 1],
    [21, 2],
    [24, 1],
  ] as const) {
    for (let i = 0; i < n; i++) e.push(page('free-pricing', 'p1', '/pricing', day, i))
  }
  // 5 of 5 seats active in days 21..27.
  e.push(group('free-full', { plan: 'free', seats: 5 }))
  e.push(...daily('free-full', users('free-full', 5), 'tasks', range(22, 27)))
  // One glance at a paid module and its price.
  e.push(group('free-noise', { plan: 'free', seats: 20 }))
  e.push(...daily('free-noise', users('free-noise', 2), 'docs', range(0, 27)))
  e.push(page('free-noise', 'free-noise-u1', '/pricing/ai', 25))
  e.push(page('free-noise', 'free-noise-u1', '/apps/ai/try', 25, 1))
  // 8 of 10 seats in daily use; renews monthly, next on day 40 (12 days away).
  e.push(group('cust-healthy', paid('business', 10, 500)))
  e.push(...daily('cust-healthy', users('cust-healthy', 8), 'automation', range(0, 27)))
  e.push(renewed('cust-healthy', 10, 500))
  // 6 users daily in days 14..20 (42 events), 2 users in 21..27 (14 events).
  e.push(group('cust-drop', paid('starter', 10, 100)))
  e.push(...daily('cust-drop', users('cust-drop', 6), 'tasks', range(0, 20)))
  e.push(...daily('cust-drop', users('cust-drop', 2), 'tasks', range(21, 27)))
  // Last active on day 14: 13 whole days idle before day 28.
  e.push(group('cust-idle', paid('starter', 5, 50)))
  e.push(...daily('cust-idle', users('cust-idle', 1), 'tasks', range(0, 14)))
  // 3 of 20 seats in use.
  e.push(group('cust-seats', paid('business', 20, 1000)))
  e.push(...daily('cust-seats', users('cust-seats', 3), 'tasks', range(0, 27)))
  // Analytics: 2 users daily in 14..20 (14 actions), none in 21..27; tasks go on.
  e.push(group('cust-abandon', paid('business', 6, 300)))
  e.push(...daily('cust-abandon', users('cust-abandon', 2), 'tasks', range(0, 27)))
  e.push(...daily('cust-abandon', users('cust-abandon', 2), 'analytics', range(0, 20)))
  // Renewed on day 12 for one month (next: day 42, 14 days away); 5 users daily in
  // days 0..13 (70 events), 2 in 14..27 (28 events): -60% over 14 days, 2 of 10 seats.
  e.push(group('cust-renewal', paid('starter', 10, 100)))
  e.push(renewed('cust-renewal', 12, 100))
  e.push(...daily('cust-renewal', users('cust-renewal', 5), 'tasks', range(0, 13)))
  e.push(...daily('cust-renewal', users('cust-renewal', 2), 'tasks', range(14, 27)))
  return e
}
