import { renewalOf } from './account.js'
import type { Plan, World } from './world-types.js'

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
  decline: {
    startDay: number
    startDate: string
    keyModule: string
    floor: number
    recoverDay: number | null
  } | null
  churn: { day: number; date: string; signalled: boolean; inRun: boolean } | null
  noise: { days: number[]; modules: string[] } | null
}

export interface GroundTruth {
  seed: string
  start: string
  days: number
  holidays: number[]
  summary: Record<string, number>
  tenants: TenantTruth[]
}

const DAY_MS = 86_400_000

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
        keyModule: decline.keyModule,
        floor: Math.round(decline.floor * 100) / 100,
        recoverDay: decline.recoverDay,
      },
      churn: churn && {
        day: churn.day,
        date: dateOf(churn.day),
        signalled: churn.signalled,
        inRun: inRun(churn.day),
      },
      noise: noise && { days: [...noise.days], modules: [...noise.modules] },
    }
  })
  const count = (f: (t: TenantTruth) => boolean) => tenants.filter(f).length
  return {
    seed: world.seed,
    start: world.start.toISOString(),
    days: world.days,
    holidays: [...world.holidays],
    summary: {
      tenants: tenants.length,
      free: count((t) => t.plan === 'free'),
      intent: count((t) => t.intent !== null),
      intentConverts: count((t) => t.intent?.outcome === 'converts'),
      ordersInRun: count((t) => t.order?.inRun === true),
      noise: count((t) => t.noise !== null),
      declining: count((t) => t.decline !== null),
      churnsInRun: count((t) => t.churn?.inRun === true),
      upsellsInRun: count((t) => t.upsell?.inRun === true),
    },
    tenants,
  }
}
