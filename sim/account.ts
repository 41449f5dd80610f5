import type { Account, DeclineTrait, Plan, Renewal, Tenant } from './world-types.js'

// A tenant's commercial state on any day, as a pure function of its traits: nothing
// carries over from generating earlier days.

const PER_SEAT: Record<Plan, number> = { free: 0, starter: 8, business: 18, enterprise: 30 }
const PER_SEAT_MODULE = 5

export function mrrOf(plan: Plan, seats: number, paidModules: number): number {
  if (plan === 'free') return 0
  return seats * (PER_SEAT[plan] + PER_SEAT_MODULE * paidModules)
}

/** Months a payment covers: monthly starter contracts, annual ones above. */
export function termMonths(plan: Plan): number {
  return plan === 'starter' ? 1 : 12
}

/** The account at the end of `day`: changes made on that day are in. Day -1 is the start. */
export function accountAt(tenant: Tenant, day: number): Account {
  const { order, upsell, churn } = tenant.hidden
  let plan = tenant.plan
  let seats = tenant.seats
  let modules = tenant.modules
  if (order !== null && order.day <= day) {
    plan = order.plan
    seats = order.seats
    modules = [order.module]
  }
  if (upsell !== null && upsell.day <= day) modules = [...modules, upsell.module]
  if (churn !== null && churn.day <= day) {
    plan = 'free'
    seats = tenant.users
    modules = []
  }
  return { plan, seats, mrr: mrrOf(plan, seats, modules.length), modules }
}

/** The renewal schedule in force, including a converted tenant's new contract. */
export function renewalOf(tenant: Tenant): Renewal | null {
  const { order } = tenant.hidden
  if (order === null) return tenant.renewal
  const periodDays = order.plan === 'starter' ? 30 : 365
  return { day: order.day + periodDays, periodDays }
}

/** Whether the contract renews on `day`; a cancellation on the day wins. */
export function renewsOn(tenant: Tenant, day: number): boolean {
  const renewal = renewalOf(tenant)
  if (renewal === null || day < renewal.day) return false
  if ((day - renewal.day) % renewal.periodDays !== 0) return false
  const { churn, order } = tenant.hidden
  if (churn !== null && churn.day <= day) return false
  return tenant.plan !== 'free' || (order !== null && order.day < day)
}

/** How far a decline has got on `day`: 1 before it (and for most tenants), down to its floor. */
export function declineLevel(decline: DeclineTrait, day: number): number {
  const levelOn = (d: number) =>
    1 - Math.min(1, Math.max(0, d - decline.startDay) / decline.rampDays) * (1 - decline.floor)
  if (decline.recoverDay === null || day < decline.recoverDay) return levelOn(day)
  // Recovery climbs from wherever the decline had got to, to all or part of the way back.
  const low = levelOn(decline.recoverDay)
  const climbed = Math.min(1, (day - decline.recoverDay) / decline.recoverDays)
  return low + climbed * (decline.recoverTo - low)
}

/**
 * The tenant's use on `day` as (share of users still around, how often those come),
 * both 1 for most tenants. A `users_leave` decline loses users in a fixed order (each
 * user has a rank), so weekly active users fall, and those left come less often too; a
 * `visits_fade` decline keeps every user, who come less often. After a cancellation
 * half of the users still around stay on the free plan, coming as often as before.
 */
export function usageOn(tenant: Tenant, day: number): { retained: number; visits: number } {
  const { decline, churn } = tenant.hidden
  const cancelled = churn !== null && day > churn.day
  const level = decline === null ? 1 : declineLevel(decline, cancelled ? churn.day : day)
  const leave = decline?.kind !== 'visits_fade'
  const retained = leave ? level : 1
  const visits = leave ? 0.6 + 0.4 * level : level
  return { retained: cancelled ? retained * 0.5 : retained, visits }
}

/** Whether an owned module still gets used: the key module of a decline goes quiet. */
export function moduleAbandoned(tenant: Tenant, module: string, day: number): boolean {
  const { decline } = tenant.hidden
  if (decline === null || decline.keyModule !== module) return false
  const back =
    decline.outcome === 'recovers' && decline.recoverDay !== null && day >= decline.recoverDay + 3
  return day >= decline.keyModuleQuietDay && !back
}
