import { accountAt } from './account.js'
import { DayBuffer } from './day-buffer.js'
import { type Rng, rngFor } from './prng.js'
import { seasonalFactor } from './seasonal-dips.js'
import { STREAM } from './streams.js'
import type { Account, Tenant, World } from './world-types.js'

// Everything one tenant-day's generation reads, built from (world, tenant, day) alone.

export interface TenantDay {
  world: World
  tenant: Tenant
  day: number
  rng: Rng
  out: DayBuffer
  /** `u_00042_`: a user id is this plus the user index. */
  userPrefix: string
  /** The account as the day starts, and as it ends (after an order or cancellation). */
  before: Account
  after: Account
  /** The calendar's factor: 1 on a working day. */
  factor: number
  /** The seasonal dip's factor on the tenant's ordinary use: 1 outside a dip. */
  season: number
}

const HOUR_MS = 3_600_000
const DAY_MS = 86_400_000

export function openTenantDay(world: World, tenant: Tenant, day: number): TenantDay {
  return {
    world,
    tenant,
    day,
    rng: rngFor(world.key, STREAM.tenantDay, tenant.index, day),
    out: new DayBuffer(tenant.id, day, world.datePrefix[day]!),
    userPrefix: `u_${tenant.id.slice(2)}_`,
    before: accountAt(tenant, day - 1),
    after: accountAt(tenant, day),
    factor: world.dayFactor[day]!,
    season: seasonalFactor(world, tenant, day),
  }
}

/**
 * A session's start in UTC ms of the day: around early afternoon in the tenant's own
 * time zone, folded back into the UTC day so that a day's events stay in that day.
 */
export function sessionStart(td: TenantDay, meanLocalHour = 13.5): number {
  const local = td.rng.approxNormal(meanLocalHour * HOUR_MS, 2.5 * HOUR_MS)
  const utc = Math.floor(local - td.tenant.utcOffsetMinutes * 60_000)
  return ((utc % DAY_MS) + DAY_MS) % DAY_MS
}

/** Gap between two actions of a session: 4 s to 1.5 min. */
export function step(td: TenantDay): number {
  return 4000 + Math.floor(td.rng.next() * 86_000)
}
