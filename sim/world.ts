import { mrrOf } from './account.js'
import { assignTraits } from './assign-traits.js'
import type { ModuleCatalogue } from './catalogue.js'
import { hashString, type Rng, rngFor } from './prng.js'
import { pickSeasonalDips } from './seasonal-dips.js'
import { STREAM } from './streams.js'
import { buildVocabulary } from './vocabulary.js'
import type { Plan, Renewal, Tenant, World } from './world-types.js'

export type * from './world-types.js'

export interface WorldOptions {
  seed: string
  /** Default 10,000. */
  tenants?: number
  /** Mean users per tenant; counts are heavy-tailed around it. Default 240. */
  avgUsersPerTenant?: number
  /** The first simulated day, at UTC midnight. */
  start: Date
  days: number
  modules: ModuleCatalogue
}

export const scales = {
  small: { tenants: 200, avgUsersPerTenant: 20, days: 45 },
  full: { tenants: 10_000, avgUsersPerTenant: 240, days: 30 },
} as const

export type ScaleName = keyof typeof scales

const DAY_MS = 86_400_000

// Plan mix of the tenant base: mostly free; customers split across three tiers.
const FREE_SHARE = 0.85
const CUSTOMER_TIERS: readonly [Plan, number][] = [
  ['starter', 0.55],
  ['business', 0.32],
  ['enterprise', 0.13],
]
// Bigger organisations buy bigger plans; the world's mean users per tenant stays at
// avgUsersPerTenant once divided by the mix's mean multiplier.
const USERS_MULTIPLIER: Record<Plan, number> = {
  free: 0.8,
  starter: 1.3,
  business: 2.2,
  enterprise: 4.5,
}
const USERS_SIGMA = 1.2
const USERS_CAP = 60
const WEEKEND_FACTOR = [0.15, 1, 1, 1, 1, 1, 0.22] as const // Sunday first, as getUTCDay()
const HOLIDAY_FACTOR = 0.2
const UTC_OFFSETS = [-480, -300, -300, -240, 0, 0, 60, 60, 120, 330, 480, 540, 600]

const nameFirst = [
  'Blue',
  'North',
  'Bright',
  'Silver',
  'Green',
  'Iron',
  'Swift',
  'Clear',
  'Red',
  'Oak',
]
const nameSecond = ['Harbor', 'Peak', 'Field', 'Stone', 'River', 'Pixel', 'Forge', 'Ledger', 'Wave']
const nameSuffix = ['Labs', 'Systems', 'Group', 'Studio', 'Partners', 'Logistics', 'Health', 'AG']

export function tenantId(index: number): string {
  return `t_${String(index).padStart(5, '0')}`
}

/** Builds a world; pure and deterministic in its options. */
export function createWorld(options: WorldOptions): World {
  const count = options.tenants ?? 10_000
  const avgUsers = options.avgUsersPerTenant ?? 240
  const { days, start, seed } = options
  if (!Number.isInteger(count) || count < 1)
    throw new RangeError('tenants must be a positive integer')
  if (!(avgUsers >= 1)) throw new RangeError('avgUsersPerTenant must be at least 1')
  if (!Number.isInteger(days) || days < 1) throw new RangeError('days must be a positive integer')
  if (start.getTime() % DAY_MS !== 0) throw new RangeError('start must be a UTC midnight')

  const key = hashString(seed)
  const vocabulary = buildVocabulary(options.modules)
  const plans = assignPlans(rngFor(key, STREAM.plans), count)
  let multiplierSum = 0
  for (const plan of plans) multiplierSum += USERS_MULTIPLIER[plan]
  const usersScale = avgUsers / (multiplierSum / count)

  const tenants = plans.map((plan, index) =>
    createTenant({
      worldKey: key,
      index,
      plan,
      usersScale,
      avgUsers,
      paidKeys: vocabulary.paidKeys,
    }),
  )
  assignTraits(rngFor(key, STREAM.traits), tenants, { days, paidKeys: vocabulary.paidKeys })

  const calendar = rngFor(key, STREAM.calendar)
  const holidays = pickHolidays(calendar, start, days)
  const seasonalDips = pickSeasonalDips(calendar, days)
  const dayFactor: number[] = []
  const datePrefix: string[] = []
  for (let d = 0; d < days; d++) {
    const date = new Date(start.getTime() + d * DAY_MS)
    dayFactor.push(holidays.includes(d) ? HOLIDAY_FACTOR : WEEKEND_FACTOR[date.getUTCDay()]!)
    datePrefix.push(date.toISOString().slice(0, 11))
  }
  return {
    seed,
    key,
    start: new Date(start.getTime()),
    days,
    catalogue: options.modules,
    vocabulary,
    tenants,
    seasonalDips,
    holidays,
    dayFactor,
    datePrefix,
  }
}

/** Exact shares through a shuffle, so even a small world has the intended mix. */
function assignPlans(rng: Rng, count: number): Plan[] {
  const plans: Plan[] = new Array(count).fill('free')
  const customers = count - Math.round(count * FREE_SHARE)
  let next = count - customers
  CUSTOMER_TIERS.forEach(([plan, share], i) => {
    const n = i === CUSTOMER_TIERS.length - 1 ? count - next : Math.round(customers * share)
    for (let j = 0; j < n; j++) plans[next++] = plan
  })
  return rng.shuffle(plans)
}

interface TenantInput {
  worldKey: number
  index: number
  plan: Plan
  usersScale: number
  avgUsers: number
  paidKeys: readonly string[]
}

function createTenant(input: TenantInput): Tenant {
  const { index, plan, paidKeys } = input
  const key = rngFor(input.worldKey, STREAM.tenant, index).uint32()
  const rng = rngFor(key, 0)
  const mean = input.usersScale * USERS_MULTIPLIER[plan]
  const users = Math.max(
    1,
    Math.min(Math.round(input.avgUsers * USERS_CAP), Math.round(rng.lognormal(mean, USERS_SIGMA))),
  )
  const newUsers = users < 10 ? 0 : rng.int(0, Math.round(users * 0.04))
  const customer = plan !== 'free'
  const modules = customer ? pickModules(rng, plan, paidKeys) : []
  const seats = customer ? Math.max(3, Math.round(users * (0.5 + 0.5 * rng.next()))) : users
  const renewal: Renewal | null = customer
    ? plan === 'starter'
      ? { day: rng.int(0, 29), periodDays: 30 }
      : { day: rng.int(0, 364), periodDays: 365 }
    : null
  return {
    index,
    id: tenantId(index),
    key,
    name: `${rng.pick(nameFirst)} ${rng.pick(nameSecond)} ${rng.pick(nameSuffix)}`,
    plan,
    seats,
    mrr: mrrOf(plan, seats, modules.length),
    modules,
    users,
    newUsers,
    utcOffsetMinutes: rng.pick(UTC_OFFSETS),
    engagement: rng.lognormal(customer ? 1.4 : 0.9, 0.45),
    renewal,
    hidden: { intent: null, order: null, upsell: null, decline: null, churn: null, noise: null },
  }
}

function pickModules(rng: Rng, plan: Plan, paidKeys: readonly string[]): string[] {
  const wanted = plan === 'starter' ? 1 : plan === 'business' ? rng.int(1, 3) : rng.int(3, 5)
  return rng.shuffle([...paidKeys]).slice(0, Math.min(wanted, paidKeys.length))
}

/** Two working days of the run (none in a run under two weeks). */
function pickHolidays(rng: Rng, start: Date, days: number): number[] {
  if (days < 14) return []
  const weekdays: number[] = []
  for (let d = 3; d < days; d++) {
    const weekday = new Date(start.getTime() + d * DAY_MS).getUTCDay()
    if (weekday !== 0 && weekday !== 6) weekdays.push(d)
  }
  return rng
    .shuffle(weekdays)
    .slice(0, 2)
    .sort((a, b) => a - b)
}
