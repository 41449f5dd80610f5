import { mix32, type Rng } from './prng.js'
import type { SeasonalDip, Tenant, World } from './world-types.js'

// Holiday and summer weeks: for a week or two most tenants use the product less, the
// healthy ones included, so that "usage fell" is not by itself a sign of churn. Which
// tenants take part, and how deep, is a hash of the tenant's key and the dip: a
// function of the world's seed and the day, like everything else in a tenant-day.

const TWO_POW_32 = 4_294_967_296
/** One dip per ~75 days of run, none in a run under three weeks. */
const DAYS_PER_DIP = 75
const MIN_RUN_DAYS = 21
const TAKE_PART = 0.85
/** A tenant's depth is the dip's, give or take this much. */
const DEPTH_SPREAD = 0.2

export function pickSeasonalDips(rng: Rng, days: number): SeasonalDip[] {
  if (days < MIN_RUN_DAYS) return []
  const count = Math.max(1, Math.round(days / DAYS_PER_DIP))
  const segment = Math.floor(days / count)
  const dips: SeasonalDip[] = []
  for (let i = 0; i < count; i++) {
    const length = rng.int(5, 12)
    const from = i * segment + 3
    const to = Math.max(from, (i + 1) * segment - length - 1)
    dips.push({ startDay: rng.int(from, to), days: length, depth: 0.45 + 0.3 * rng.next() })
  }
  return dips
}

function dipHash(tenant: Tenant, dip: number): number {
  return mix32(tenant.key ^ Math.imul(dip + 1, 0x2545f491))
}

/** Whether a tenant's use drops in the world's dip number `dip`. */
export function takesPart(tenant: Tenant, dip: number): boolean {
  return dipHash(tenant, dip) < TAKE_PART * TWO_POW_32
}

/** Multiplies a tenant's ordinary use on `day`: 1 outside a dip it takes part in. */
export function seasonalFactor(world: World, tenant: Tenant, day: number): number {
  const dips = world.seasonalDips
  for (let i = 0; i < dips.length; i++) {
    const dip = dips[i]!
    if (day < dip.startDay || day >= dip.startDay + dip.days) continue
    const h = dipHash(tenant, i)
    if (h >= TAKE_PART * TWO_POW_32) return 1
    // The hash's low bits, independent enough of the take-part test, set the depth.
    const jitter = ((h & 0xffff) / 0x10000 - 0.5) * DEPTH_SPREAD
    return Math.min(1, dip.depth + jitter)
  }
  return 1
}
