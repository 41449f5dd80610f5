import { renewsOn, termMonths } from './account.js'
import type { GroupTraits } from './event-types.js'
import { sessionStart, type TenantDay } from './tenant-day.js'
import type { Account } from './world-types.js'

// Commercial events: the tenant's traits (`group`) on day 0 and after every change,
// orders, renewals and cancellations. Amounts follow the account model in account.ts.

const ADMIN = 0
const CURRENCY = 'USD'
const SECOND = 1000

function traitsOf(td: TenantDay, account: Account): GroupTraits {
  return { name: td.tenant.name, plan: account.plan, seats: account.seats, mrr: account.mrr }
}

export function generateLifecycle(td: TenantDay): void {
  const { tenant, day, out, rng } = td
  const { order, upsell, churn } = tenant.hidden
  const admin = td.userPrefix + ADMIN
  if (day === 0) out.group(0, admin, traitsOf(td, td.before))

  if (order !== null && order.day === day) {
    const buyer = td.userPrefix + (tenant.hidden.intent?.users[0] ?? ADMIN)
    const t = sessionStart(td)
    const pricing = td.world.vocabulary.byKey.get(order.module)!.pricing
    out.page(t, buyer, 'Pricing', rng.pick(pricing))
    completeOrder(td, t + 60 * SECOND, buyer, order.module, order.plan)
  }
  if (upsell !== null && upsell.day === day) {
    const buyer = td.userPrefix + (upsell.users[0] ?? ADMIN)
    completeOrder(td, sessionStart(td), buyer, upsell.module, td.after.plan)
  }
  if (renewsOn(tenant, day)) {
    // Renewals are charged by the billing system overnight, on the admin's account.
    const plan = td.before.plan
    out.track(sessionStart(td, 3), admin, 'Subscription Renewed', {
      plan,
      revenue: td.before.mrr * termMonths(plan),
      currency: CURRENCY,
    })
  }
  if (churn !== null && churn.day === day) {
    const t = sessionStart(td)
    out.page(t, admin, 'Pricing', rng.pick(td.world.vocabulary.generalPricing))
    out.track(t + 30 * SECOND, admin, 'Subscription Cancelled', {
      plan: td.before.plan,
      reason: churn.reason,
    })
    out.group(t + 32 * SECOND, admin, traitsOf(td, td.after))
  }
}

function completeOrder(
  td: TenantDay,
  t: number,
  buyer: string,
  module: string,
  plan: string,
): void {
  const { out, tenant, day } = td
  const revenue = (td.after.mrr - td.before.mrr) * termMonths(td.after.plan)
  out.track(t, buyer, 'Order Completed', {
    orderId: `o_${tenant.id.slice(2)}_${day}_${module}`,
    plan,
    revenue,
    currency: CURRENCY,
    products: [{ module }],
  })
  out.group(t + 2 * SECOND, buyer, traitsOf(td, td.after))
}
