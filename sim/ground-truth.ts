import { renewalOf } from './account.js'
import { takesPart } from './seasonal-dips.js'
import type { DeclineKind, DeclineSpeed, DeclineTrait, Plan, World } from './world-types.js'

// What really happened in a world, for scoring rules and backtests. The caller writes
// it beside the run; none of it is ever in an event. Days are indexes from `start`;
// each comes with its date too. `inRun` says whether the day falls inside the run.

export interface TenantTruth {
  tenantId: string
  plan: Plan
  users: number
  seats: number
  mrr: number
  modules: string[]
  renewalDay: number | null
  intent: {
    module: string
    startDay: number
    startDate: string
    endDay: number
    outcome: 'converts' | 'drifts'
    browsers: number
  } | null
  order: {
    module: string
    day: number
    date: string
    plan: Plan
    signalled: boolean
    inRun: boolean
  } | null
  upsell: { module: string; startDay: number; day: number; date: string; inRun: boolean } | null
  /** A start before day 0 (negative) means the decline was under way when the run began. */
  decline: {
    startDay: number
    startDate: string
    speed: DeclineSpeed
    kind: DeclineKind
    rampDays: number
    /** The share of users (users_leave) or of visits (visits_fade) it falls to. */
    floor: number
    keyModule: string
    keyModuleQuietDay: number
    outcome: DeclineTrait['outcome']
    recoverDay: number | null
    /** Use after a recovery, 1 meaning all of it back; below 1 for a partial one. */
    recoverTo: number | null
  } | null
  churn: {
    day: number
    date: string
    signalled: boolean
    inRun: boolean
    /** Days from the decline's start to the cancellation; 0 with no decline. */
    warningDays: number
  } | null
  noise: { days: number[]; modules: string[] } | null
  /** Indexes of the world's seasonal dips in which this tenant's use drops. */
  seasonalDips: number[]
}

export interface SeasonalDipTruth {
  startDay: number
  startDate: string
  /** The dip's days: startDay up to, not including, endDay. */
  endDay: number
  /** Ordinary use of a tenant taking part, on average: this share of its usual. */
  depth: number
}

export interface GroundTruth {
  seed: string
  start: string
  days: number
  holidays: number[]
  seasonalDips: SeasonalDipTruth[]
  summary: Record<string, number>
  tenants: TenantTruth[]
}

const DAY_MS = 86_400_000
const round2 = (x: number) => Math.round(x * 100) / 100

export function groundTruth(world: World): GroundTruth {
  const dateOf = (day: number) =>
    new Date(world.start.getTime() + day * DAY_MS).toISOString().slice(0, 10)
  const inRun = (day: number) => day >= 0 && day < world.days
  const tenants = world.tenants.map((t): TenantTruth => {
    const { intent, order, upsell, decline, churn, noise } = t.hidden
    return {
      tenantId: t.id,
      plan: t.plan,
      users: t.users,
      seats: t.seats,
      mrr: t.mrr,
      modules: [...t.modules],
      renewalDay: renewalOf(t)?.day ?? null,
      intent: intent && {
        module: intent.module,
        startDay: intent.startDay,
        startDate: dateOf(intent.startDay),
        endDay: intent.endDay,
        outcome: intent.outcome,
        browsers: intent.users.length,
      },
      order: order && {
        module: order.module,
        day: order.day,
        date: dateOf(order.day),
        plan: order.plan,
        signalled: order.signalled,
        inRun: inRun(order.day),
      },
      upsell: upsell && {
        module: upsell.module,
        startDay: upsell.startDay,
        day: upsell.day,
        date: dateOf(upsell.day),
        inRun: inRun(upsell.day),
      },
      decline: decline && {
        startDay: decline.startDay,
        startDate: dateOf(decline.startDay),
        speed: decline.speed,
        kind: decline.kind,
        rampDays: decline.rampDays,
        floor: round2(decline.floor),
        keyModule: decline.keyModule,
        keyModuleQuietDay: decline.keyModuleQuietDay,
        outcome: decline.outcome,
        recoverDay: decline.recoverDay,
        recoverTo: decline.recoverDay === null ? null : round2(decline.recoverTo),
      },
      churn: churn && {
        day: churn.day,
        date: dateOf(churn.day),
        signalled: churn.signalled,
        inRun: inRun(churn.day),
        warningDays: decline === null ? 0 : churn.day - decline.startDay,
      },
      noise: noise && { days: [...noise.days], modules: [...noise.modules] },
      seasonalDips: world.seasonalDips.flatMap((_, i) => (takesPart(t, i) ? [i] : [])),
    }
  })
  const count = (f: (t: TenantTruth) => boolean) => tenants.filter(f).length
  return {
    seed: world.seed,
    start: world.start.toISOString(),
    days: world.days,
    holidays: [...world.holidays],
    seasonalDips: world.seasonalDips.map((dip) => ({
      startDay: dip.startDay,
      startDate: dateOf(dip.startDay),
      endDay: dip.startDay + dip.days,
      depth: round2(dip.depth),
    })),
    summary: {
      tenants: tenants.length,
      free: count((t) => t.plan === 'free'),
      intent: count((t) => t.intent !== null),
      intentConverts: count((t) => t.intent?.outcome === 'converts'),
      ordersInRun: count((t) => t.order?.inRun === true),
      noise: count((t) => t.noise !== null),
      declining: count((t) => t.decline !== null),
      churnsInRun: count((t) => t.churn?.inRun === true),
      churnsInRunUnwarned: count((t) => t.churn?.inRun === true && t.decline === null),
      churnsInRunShortWarning: count(
        (t) => t.churn?.inRun === true && t.decline !== null && t.churn.warningDays < 21,
      ),
      declinesRecovering: count((t) => t.decline?.outcome === 'recovers'),
      declinesRecoveringPartly: count((t) => t.decline?.outcome === 'recovers_partly'),
      upsellsInRun: count((t) => t.upsell?.inRun === true),
    },
    tenants,
  }
}
