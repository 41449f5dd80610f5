import {
  generateIntentBrowsing,
  generateNoiseBrowsing,
  generateUpsellBrowsing,
} from './browsing.js'
import type { Emit, SimEvent } from './event-types.js'
import { generateLifecycle } from './lifecycle.js'
import { openTenantDay } from './tenant-day.js'
import { generateUserSessions } from './user-sessions.js'
import type { World } from './world-types.js'

export type * from './event-types.js'

export interface TenantRange {
  /** First tenant index, included. */
  from: number
  /** Last tenant index, excluded. */
  to: number
}

function checkDay(world: World, day: number): void {
  if (!Number.isInteger(day) || day < 0 || day >= world.days) {
    throw new RangeError(`day ${day} is outside the run (0..${world.days - 1})`)
  }
}

/**
 * One tenant's events of one day, in time order. Reads only the (tenant, day) stream,
 * so it equals that tenant's slice of generateDay whatever else ran before.
 */
export function generateTenantDay(
  world: World,
  tenantIndex: number,
  day: number,
  emit: Emit,
): void {
  checkDay(world, day)
  const tenant = world.tenants[tenantIndex]
  if (tenant === undefined) throw new RangeError(`no tenant ${tenantIndex}`)
  const td = openTenantDay(world, tenant, day)
  // Draw order is fixed: lifecycle, then ordinary use, then browsing.
  generateLifecycle(td)
  generateUserSessions(td)
  generateIntentBrowsing(td)
  generateUpsellBrowsing(td)
  generateNoiseBrowsing(td)
  td.out.flush(emit)
}

/** A day of the whole world (or of a tenant range, to split work), tenant by tenant. */
export function generateDay(world: World, day: number, emit: Emit, range?: TenantRange): void {
  checkDay(world, day)
  const from = Math.max(0, range?.from ?? 0)
  const to = Math.min(world.tenants.length, range?.to ?? world.tenants.length)
  for (let i = from; i < to; i++) generateTenantDay(world, i, day, emit)
}

/** A day's events as an array: for tests and small worlds. */
export function collectDay(world: World, day: number, range?: TenantRange): SimEvent[] {
  const events: SimEvent[] = []
  generateDay(world, day, (e) => events.push(e), range)
  return events
}
