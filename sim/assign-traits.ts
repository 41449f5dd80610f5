import type { Rng } from './prng.js'
import type { Renewal, Tenant } from './world-types.js'

// Hands out the hidden traits. Counts are quotas over a shuffled list rather than
// per-tenant coin flips, with a floor, so that a 200-tenant test world still holds
// enough of every story (at the full scale the floors never bind).

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
  /** Customers whose use declines. */
  decline: { rate: 0.1, min: 6 },
  /** Declining customers that cancel. */
  churn: { rate: 0.55, min: 3 },
  /** Healthy customers that cancel at renewal without warning. */
  suddenChurn: { rate: 0.015, min: 1 },
  /** Healthy customers that buy another module. */
  upsell: { rate: 0.06, min: 2 },
} as const

const churnReasons = ['too_expensive', 'not_using', 'switched_competitor', 'budget_cut']

function quota(pool: number, of: number, spec: { rate: number; min: number }): number {
  return Math.min(pool, Math.max(spec.min, Math.round(of * spec.rate)))
}

/** An integer in [lo, hi], with hi raised to lo when a short run leaves no room. */
function between(rng: Rng, lo: number, hi: number): number {
  return rng.int(lo, Math.max(lo, hi))
}

/** n distinct user indexes below `existing`, in draw order. */
function sampleUsers(rng: Rng, existing: number, n: number): number[] {
  const picked = new Set<number>()
  while (picked.size < Math.min(n, existing)) picked.add(rng.int(0, existing - 1))
  return [...picked]
}

/** The schedule that makes `day` a renewal day, keeping the contract's period. */
function renewalThrough(day: number, periodDays: number): Renewal {
  return { day: periodDays === 30 ? day % 30 : day, periodDays }
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

  const declinePool = customers.filter((t) => t.users >= 4)
  const decliners = declinePool.slice(0, quota(declinePool.length, customers.length, rates.decline))
  const churners = quota(decliners.length, decliners.length, rates.churn)
  decliners.forEach((t, i) => {
    const startDay = between(rng, Math.min(7, days - 1), days - 14)
    const churns = i < churners
    t.hidden.decline = {
      startDay,
      floor: 0.1 + 0.25 * rng.next(),
      rampDays: rng.int(7, 14),
      keyModule: rng.pick(t.modules),
      recoverDay: !churns && rng.chance(0.5) ? startDay + rng.int(10, 20) : null,
    }
    if (churns) {
      const day = Math.min(days - 1, startDay + rng.int(10, 24))
      const reason = rng.chance(0.5) ? 'not_using' : rng.pick(churnReasons)
      t.hidden.churn = { day, reason, signalled: true }
      // A cancellation lands in the days before a renewal, not after it.
      t.renewal = renewalThrough(day + rng.int(0, 10), t.renewal!.periodDays)
    }
  })

  const healthy = customers.filter((t) => t.hidden.decline === null)
  const sudden = healthy.slice(0, quota(healthy.length, customers.length, rates.suddenChurn))
  for (const t of sudden) {
    const day = between(rng, Math.min(3, days - 1), days - 1)
    t.hidden.churn = { day, reason: rng.pick(churnReasons), signalled: false }
    t.renewal = renewalThrough(day, t.renewal!.periodDays)
  }
  const upsellPool = healthy.slice(sudden.length).filter((t) => t.modules.length < paidKeys.length)
  for (const t of upsellPool.slice(0, quota(upsellPool.length, customers.length, rates.upsell))) {
    const startDay = between(rng, 0, days - 8)
    const module = rng.pick(paidKeys.filter((k) => !t.modules.includes(k)))
    const users = sampleUsers(rng, t.users - t.newUsers, rng.int(1, 4))
    t.hidden.upsell = { module, startDay, day: startDay + rng.int(4, 16), users }
  }
}
