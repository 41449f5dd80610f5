import { declineLevel } from './account.js'
import type { Rng } from './prng.js'
import { between, quota } from './trait-quota.js'
import type { DeclineSpeed, DeclineTrait, Renewal, Tenant } from './world-types.js'

// The customers' stories of decline, recovery and cancellation. As at a real B2B SaaS,
// use erodes weeks before most cancellations (3–10 weeks), slowly or fast, by users
// leaving or by those who stay coming less often; many declines end without one (a
// full or a partial recovery); and some customers cancel with little warning or none.
// Rates are shares of all customers; the same in a run of any length.

const rates = {
  /** Use declines 21–70 days before a cancellation within the run. */
  warnedChurn: { rate: 0.045, min: 3 },
  /** Use falls over only the 3–10 days before a cancellation within the run. */
  abruptChurn: { rate: 0.007, min: 1 },
  /** A decline under way at the run's end: the cancellation comes after it. */
  laterChurn: { rate: 0.015, min: 1 },
  /** Use declines, then comes all the way back. */
  recovers: { rate: 0.03, min: 1 },
  /** Use declines, comes part of the way back and stays there; no cancellation. */
  recoversPartly: { rate: 0.03, min: 1 },
  /** Healthy customers that cancel at a renewal with no decline before. */
  suddenChurn: { rate: 0.01, min: 1 },
} as const

const SLOW_SHARE = 0.5
const USERS_LEAVE_SHARE = 0.5
const churnReasons = ['too_expensive', 'not_using', 'switched_competitor', 'budget_cut']

/** The schedule that makes `day` a renewal day, keeping the contract's period. */
function renewalThrough(day: number, periodDays: number): Renewal {
  return { day: periodDays === 30 ? ((day % 30) + 30) % 30 : day, periodDays }
}

function rampOf(rng: Rng, speed: DeclineSpeed): number {
  return speed === 'slow' ? rng.int(28, 56) : rng.int(7, 14)
}

function declineOf(
  rng: Rng,
  t: Tenant,
  shape: { startDay: number; speed: DeclineSpeed; rampDays: number },
): DeclineTrait {
  const kind = rng.chance(USERS_LEAVE_SHARE) ? 'users_leave' : 'visits_fade'
  const { startDay, rampDays } = shape
  return {
    ...shape,
    kind,
    floor: (kind === 'users_leave' ? 0.1 : 0.15) + 0.3 * rng.next(),
    keyModule: rng.pick(t.modules),
    // Somewhere in the decline, not always at once.
    keyModuleQuietDay: startDay + rng.int(3, Math.max(3, rampDays)),
    outcome: 'cancels',
    recoverDay: null,
    recoverDays: 0,
    recoverTo: 1,
  }
}

function cancelAt(rng: Rng, t: Tenant, day: number, signalled: boolean): void {
  const reason = signalled && rng.chance(0.5) ? 'not_using' : rng.pick(churnReasons)
  t.hidden.churn = { day, reason, signalled }
  // A cancellation lands in the days before a renewal (on it, when out of the blue).
  const renewalDay = signalled ? day + rng.int(0, 10) : day
  t.renewal = renewalThrough(renewalDay, t.renewal!.periodDays)
}

function warnedChurn(rng: Rng, t: Tenant, cancelDay: number, warningDays: number): void {
  const speed = rng.chance(SLOW_SHARE) ? 'slow' : 'fast'
  const startDay = cancelDay - warningDays
  t.hidden.decline = declineOf(rng, t, { startDay, speed, rampDays: rampOf(rng, speed) })
  cancelAt(rng, t, cancelDay, true)
}

function recovery(rng: Rng, t: Tenant, days: number, fully: boolean): void {
  const speed = rng.chance(SLOW_SHARE) ? 'slow' : 'fast'
  const startDay = between(rng, -21, days - 7)
  const rampDays = rampOf(rng, speed)
  const decline = declineOf(rng, t, { startDay, speed, rampDays })
  const recoverDay = startDay + rng.int(Math.max(7, Math.ceil(rampDays / 2)), rampDays + 21)
  const low = declineLevel(decline, recoverDay)
  t.hidden.decline = {
    ...decline,
    outcome: fully ? 'recovers' : 'recovers_partly',
    // The key module goes quiet before the turn, and comes back only with a full one.
    keyModuleQuietDay:
      startDay + rng.int(3, Math.max(3, Math.min(rampDays, recoverDay - startDay - 1))),
    recoverDay,
    recoverDays: rng.int(7, 21),
    recoverTo: fully ? 1 : low + (1 - low) * (0.3 + 0.4 * rng.next()),
  }
}

/** Hands out the stories; returns the customers left healthy, in shuffled order. */
export function assignChurnStories(rng: Rng, customers: readonly Tenant[], days: number): Tenant[] {
  const n = customers.length
  const pool = customers.filter((t) => t.users >= 4)
  let next = 0
  const take = (spec: { rate: number; min: number }) => {
    const taken = pool.slice(next, next + quota(pool.length - next, n, spec))
    next += taken.length
    return taken
  }
  const firstCancel = Math.min(3, days - 1)
  for (const t of take(rates.warnedChurn))
    warnedChurn(rng, t, between(rng, firstCancel, days - 1), rng.int(21, 70))
  for (const t of take(rates.abruptChurn)) {
    const cancelDay = between(rng, firstCancel, days - 1)
    const rampDays = rng.int(3, 10)
    t.hidden.decline = declineOf(rng, t, {
      startDay: cancelDay - rampDays,
      speed: 'abrupt',
      rampDays,
    })
    cancelAt(rng, t, cancelDay, true)
  }
  for (const t of take(rates.laterChurn)) {
    // Visible for a week at least before the run ends.
    const cancelDay = days + rng.int(0, 42)
    warnedChurn(rng, t, cancelDay, rng.int(Math.max(21, cancelDay - days + 7), 70))
  }
  for (const t of take(rates.recovers)) recovery(rng, t, days, true)
  for (const t of take(rates.recoversPartly)) recovery(rng, t, days, false)

  const healthy = customers.filter((t) => t.hidden.decline === null)
  const sudden = healthy.slice(0, quota(healthy.length, n, rates.suddenChurn))
  for (const t of sudden) cancelAt(rng, t, between(rng, firstCancel, days - 1), false)
  return healthy.slice(sudden.length)
}
