import { assignChurnStories } from './assign-churn.js'
import type { Rng } from './prng.js'
import { between, quota } from './trait-quota.js'
import type { Tenant } from './world-types.js'

// Hands out the hidden traits, as quotas over shuffled lists (trait-quota.ts): the
// free tenants' buying stories here, the customers' churn stories in assign-churn.ts.

export interface TraitOptions {
  days: number
  paidKeys: readonly string[]
}

const rates = {
  /** Free tenants that show buying intent on a paid module. */
  intent: { rate: 0.08, min: 12 },
  /** Intent tenants that go on to order (some after the run ends). */
  converts: { rate: 0.5, min: 8 },
  /** Free tenants that order with no browsing before. */
  impulse: { rate: 0.004, min: 1 },
  /** Free tenants glancing at pricing with no intent behind it. */
  noise: { rate: 0.1, min: 8 },
  /** Healthy customers that buy another module. */
  upsell: { rate: 0.06, min: 2 },
} as const

/** n distinct user indexes below `existing`, in draw order. */
function sampleUsers(rng: Rng, existing: number, n: number): number[] {
  const picked = new Set<number>()
  while (picked.size < Math.min(n, existing)) picked.add(rng.int(0, existing - 1))
  return [...picked]
}

export function assignTraits(rng: Rng, tenants: readonly Tenant[], options: TraitOptions): void {
  const { days, paidKeys } = options
  const free = rng.shuffle(tenants.filter((t) => t.plan === 'free'))
  const customers = rng.shuffle(tenants.filter((t) => t.plan !== 'free'))

  const intentPool = free.filter((t) => t.users - t.newUsers >= 3)
  const intents = intentPool.slice(0, quota(intentPool.length, free.length, rates.intent))
  const converters = quota(intents.length, intents.length, rates.converts)
  intents.forEach((t, i) => {
    const existing = t.users - t.newUsers
    const module = rng.pick(paidKeys)
    const startDay = between(rng, 1, days - 8)
    const converts = i < converters
    const endDay = converts
      ? startDay + 5 + Math.min(35, Math.floor(rng.exponential(7)))
      : startDay + rng.int(6, 18)
    t.hidden.intent = {
      module,
      startDay,
      endDay,
      outcome: converts ? 'converts' : 'drifts',
      users: sampleUsers(rng, existing, rng.int(3, 10)),
      growEveryDays: rng.int(1, 3),
    }
    if (converts) {
      const plan = rng.chance(0.7) ? 'starter' : 'business'
      const seats = Math.max(3, Math.round(t.users * (0.3 + 0.4 * rng.next())))
      t.hidden.order = { day: endDay, module, plan, seats, signalled: true }
    }
  })

  const rest = free.filter((t) => t.hidden.intent === null)
  const impulses = rest.slice(0, quota(rest.length, free.length, rates.impulse))
  for (const t of impulses) {
    const seats = Math.max(3, Math.round(t.users * 0.4))
    const module = rng.pick(paidKeys)
    t.hidden.order = { day: rng.int(0, days - 1), module, plan: 'starter', seats, signalled: false }
  }
  const noisePool = rest.slice(impulses.length)
  for (const t of noisePool.slice(0, quota(noisePool.length, free.length, rates.noise))) {
    const noiseDays = new Set<number>()
    const n = rng.int(1, 3)
    for (let i = 0; i < n; i++) noiseDays.add(rng.int(0, days - 1))
    const modules = rng.shuffle([...paidKeys]).slice(0, rng.int(1, 2))
    t.hidden.noise = { days: [...noiseDays].sort((a, b) => a - b), modules }
  }

  const healthy = assignChurnStories(rng, customers, days)
  const upsellPool = healthy.filter((t) => t.modules.length < paidKeys.length)
  for (const t of upsellPool.slice(0, quota(upsellPool.length, customers.length, rates.upsell))) {
    const startDay = between(rng, 0, days - 8)
    const module = rng.pick(paidKeys.filter((k) => !t.modules.includes(k)))
    const users = sampleUsers(rng, t.users - t.newUsers, rng.int(1, 4))
    t.hidden.upsell = { module, startDay, day: startDay + rng.int(4, 16), users }
  }
}
