import type { Account, Plan, Renewal, Tenant } from './world-types.js'

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

/**
 * Share of the tenant's users still around on `day` (1 for most tenants). A declining
 * customer loses users, not only activity: each user has a fixed rank, and those
 * ranked above the share stop coming, so weekly active users fall with it.
 */
export function retainedShare(tenant: Tenant, day: number): number {
  const { decline, churn } = tenant.hidden
  let share = 1
  if (decline !== null && day >= decline.startDay) {
    const shareOn = (d: number) =>
      1 - Math.min(1, (d - decline.startDay) / decline.rampDays) * (1 - decline.floor)
    if (decline.recoverDay !== null && day >= decline.recoverDay) {
      // Recovery climbs back over a week from wherever the decline had got to.
      const low = shareOn(decline.recoverDay)
      share = low + Math.min(1, (day - decline.recoverDay) / 7) * (1 - low)
    } else {
      share = shareOn(day)
    }
  }
  if (churn !== null && day > churn.day) share = Math.min(share, (decline?.floor ?? 1) * 0.5)
  return share
}

/** Whether an owned module still gets used: the key module of a decline goes quiet. */
export function moduleAbandoned(tenant: Tenant, module: string, day: number): boolean {
  const { decline } = tenant.hidden
  if (decline === null || decline.keyModule !== module) return false
  const quiet = day >= decline.startDay + 3
  const back = decline.recoverDay !== null && day >= decline.recoverDay + 3
  return quiet && !back
}
