import type { ModuleCatalogue } from './catalogue.js'
import type { Vocabulary } from './vocabulary.js'

// The shapes of a simulated world. Public fields are what the product knows about a
// tenant on the first simulated day; `hidden` holds the traits that drive its story and
// that only groundTruth() reveals. Every day in a trait is a day index from world.start.

export type Plan = 'free' | 'starter' | 'business' | 'enterprise'

export interface Account {
  plan: Plan
  seats: number
  mrr: number
  /** Paid modules the tenant owns. */
  modules: readonly string[]
}

export interface Renewal {
  /** The first renewal on or after day 0. */
  day: number
  /** 30 for monthly contracts, 365 for annual ones. */
  periodDays: number
}

/** A free tenant's users browse a paid module's pages and pricing, more of them each day. */
export interface IntentTrait {
  module: string
  startDay: number
  /** Browsing stops here: the order day for converters, the day interest dies for drifters. */
  endDay: number
  outcome: 'converts' | 'drifts'
  /** User indexes in the order they join in; users[0] is the champion who orders. */
  users: readonly number[]
  growEveryDays: number
}

/** A free tenant's first order: it becomes a customer of `plan` owning `module`. */
export interface OrderTrait {
  day: number
  module: string
  plan: Plan
  seats: number
  /** false for an order nobody could have seen coming: no browsing before it. */
  signalled: boolean
}

/** A healthy customer browses another paid module, then buys it on `day`. */
export interface UpsellTrait {
  module: string
  startDay: number
  day: number
  users: readonly number[]
}

export type DeclineSpeed = 'slow' | 'fast' | 'abrupt'
/** How use falls: users stop coming, or those who stay come less often. */
export type DeclineKind = 'users_leave' | 'visits_fade'

/**
 * A customer's use falls from its start, linearly over `rampDays`, to `floor`: the
 * share of users still around (`users_leave`, and those come a little less often) or
 * of visits (`visits_fade`, every user stays). It may have started before the run.
 */
export interface DeclineTrait {
  startDay: number
  /** slow: 4–8 weeks, fast: 1–2 weeks, abrupt: the 3–10 days before a cancellation. */
  speed: DeclineSpeed
  kind: DeclineKind
  rampDays: number
  floor: number
  /** An owned module nobody uses from `keyModuleQuietDay` on. */
  keyModule: string
  keyModuleQuietDay: number
  outcome: 'cancels' | 'recovers' | 'recovers_partly'
  /** Use climbs back from here, over `recoverDays`, to `recoverTo` (1: all of it). */
  recoverDay: number | null
  recoverDays: number
  recoverTo: number
}

export interface ChurnTrait {
  /** May fall after the run: a decline still under way at its end. */
  day: number
  reason: string
  /** false for a cancellation with no decline before it. */
  signalled: boolean
}

/** A free tenant with no intent glancing at pricing on a few days. */
export interface NoiseTrait {
  days: readonly number[]
  modules: readonly string[]
}

export interface HiddenTraits {
  intent: IntentTrait | null
  order: OrderTrait | null
  upsell: UpsellTrait | null
  decline: DeclineTrait | null
  churn: ChurnTrait | null
  noise: NoiseTrait | null
}

export interface Tenant extends Account {
  index: number
  id: string
  /** The tenant's stream key: everything random about it derives from this. */
  key: number
  name: string
  /** Users at the end of the run; the last `newUsers` of them join during it. */
  users: number
  newUsers: number
  utcOffsetMinutes: number
  /** Multiplies every user's chance to be active on a day (mean about 1). */
  engagement: number
  renewal: Renewal | null
  hidden: HiddenTraits
}

/** A week or two of the run in which most tenants' ordinary use drops to `depth`. */
export interface SeasonalDip {
  startDay: number
  days: number
  depth: number
}

export interface World {
  seed: string
  key: number
  start: Date
  days: number
  catalogue: ModuleCatalogue
  vocabulary: Vocabulary
  tenants: readonly Tenant[]
  /** Holiday or summer weeks in which most tenants use the product less. */
  seasonalDips: readonly SeasonalDip[]
  /** Weekday day indexes on which almost nobody works. */
  holidays: readonly number[]
  /** Per day: 1 on a working day, lower on weekends and holidays. */
  dayFactor: readonly number[]
  /** Per day: `YYYY-MM-DDT`, the start of every timestamp of that day. */
  datePrefix: readonly string[]
}
