import type { DeclineKind, DeclineSpeed, Tenant, World } from './world-types.js'

// How much warning the world gives before its cancellations: from the hidden traits
// (when each decline started), and from the events as a rule would see them (when a
// customer's week first looked half as busy as the week before). The second is the
// honest bound on any model's lead time; the first is what the world meant to show.

export interface Spread {
  min: number
  p25: number
  median: number
  p75: number
  max: number
}

export interface ChurnStats {
  /** Customers (on day 0) with a cancellation in the days measured. */
  churners: number
  /** Of them, cancelling with no decline before (at a renewal, out of the blue). */
  withoutDecline: number
  /** Days from a decline's start to its cancellation, for churners after a decline. */
  declineToCancel: Spread | null
  /** Churners whose decline started 21 days or more before the cancellation. */
  warnedThreeWeeks: number
  /**
   * Customers whose use declines, by how it ends within the days measured: a
   * cancellation, a full or a partial recovery, or none yet (some of these cancel
   * after the run: `cancelLater`).
   */
  decliners: {
    total: number
    cancel: number
    recover: number
    recoverPartly: number
    neither: number
    cancelLater: number
  }
  /** Decliners by speed and by kind. */
  speeds: Record<DeclineSpeed, number>
  kinds: Record<DeclineKind, number>
  /** Days from a decline's start to its key module's going quiet. */
  keyModuleQuiet: Spread | null
  /**
   * From the events: customers with a day on which the last 7 days' user-days
   * (daily active users summed) were at most half of the 7 days before, which had
   * at least HALVING_MIN_USER_DAYS. Churners count only days before their
   * cancellation; "quiet" customers are those with no decline and no cancellation.
   */
  halvedWeek: { churners: number; decliners: number; quiet: number }
  /** Days before the cancellation of a churner's first halving in the 10 weeks before it. */
  halvingToCancel: Spread | null
}

const HALVING_MIN_USER_DAYS = 20
const LOOKBACK_DAYS = 70

function spread(values: number[]): Spread | null {
  if (values.length === 0) return null
  const sorted = [...values].sort((a, b) => a - b)
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!
  return { min: sorted[0]!, p25: at(0.25), median: at(0.5), p75: at(0.75), max: at(1) }
}

/** First day in [from, to) whose 7-day user-days halved against the 7 days before. */
function firstHalving(dau: ArrayLike<number>, from: number, to: number): number | null {
  for (let d = Math.max(13, from); d < to; d++) {
    let prev = 0
    let cur = 0
    for (let k = 0; k < 7; k++) {
      prev += dau[d - 13 + k]!
      cur += dau[d - 6 + k]!
    }
    if (prev >= HALVING_MIN_USER_DAYS && cur <= prev / 2) return d
  }
  return null
}

/**
 * `dailyActive(i)` gives tenant i's distinct active users on each day measured.
 */
export function churnStats(
  world: World,
  days: number,
  dailyActive: (tenantIndex: number) => ArrayLike<number>,
): ChurnStats {
  const customers = world.tenants.filter((t) => t.plan !== 'free')
  const churners = customers.filter((t) => t.hidden.churn !== null && t.hidden.churn.day < days)
  const warned = churners.filter((t) => t.hidden.decline !== null)
  const leads = warned.map((t) => t.hidden.churn!.day - t.hidden.decline!.startDay)
  const decliners = customers.filter((t) => t.hidden.decline !== null)
  const cancel = decliners.filter((t) => t.hidden.churn !== null && t.hidden.churn.day < days)
  const recoveredBy = (t: Tenant, outcome: string) => {
    const d = t.hidden.decline!
    return d.outcome === outcome && d.recoverDay !== null && d.recoverDay < days
  }
  const recover = decliners.filter((t) => recoveredBy(t, 'recovers'))
  const recoverPartly = decliners.filter((t) => recoveredBy(t, 'recovers_partly'))
  const counted = (key: 'speed' | 'kind', values: readonly string[]) =>
    Object.fromEntries(
      values.map((v) => [v, decliners.filter((t) => t.hidden.decline![key] === v).length]),
    )

  const halvingLeads: number[] = []
  let churnersHalved = 0
  for (const t of churners) {
    const cancelDay = t.hidden.churn!.day
    const first = firstHalving(dailyActive(t.index), cancelDay - LOOKBACK_DAYS, cancelDay)
    if (first === null) continue
    churnersHalved++
    halvingLeads.push(cancelDay - first)
  }
  const share = (tenants: typeof customers) => {
    const halved = tenants.filter((t) => firstHalving(dailyActive(t.index), 0, days) !== null)
    return Number((halved.length / Math.max(1, tenants.length)).toFixed(4))
  }
  const quiet = customers.filter((t) => t.hidden.decline === null && t.hidden.churn === null)
  const otherDecliners = decliners.filter((t) => !cancel.includes(t))
  return {
    churners: churners.length,
    withoutDecline: churners.length - warned.length,
    declineToCancel: spread(leads),
    warnedThreeWeeks: leads.filter((d) => d >= 21).length,
    decliners: {
      total: decliners.length,
      cancel: cancel.length,
      recover: recover.length,
      recoverPartly: recoverPartly.length,
      neither: decliners.length - cancel.length - recover.length - recoverPartly.length,
      cancelLater: decliners.filter((t) => t.hidden.churn !== null && t.hidden.churn.day >= days)
        .length,
    },
    speeds: counted('speed', ['slow', 'fast', 'abrupt']) as Record<DeclineSpeed, number>,
    kinds: counted('kind', ['users_leave', 'visits_fade']) as Record<DeclineKind, number>,
    keyModuleQuiet: spread(
      decliners.map((t) => t.hidden.decline!.keyModuleQuietDay - t.hidden.decline!.startDay),
    ),
    halvedWeek: {
      churners: Number((churnersHalved / Math.max(1, churners.length)).toFixed(4)),
      decliners: share(otherDecliners),
      quiet: share(quiet),
    },
    halvingToCancel: spread(halvingLeads),
  }
}
