import { DAY_LENGTH_MS, dayStartMs } from './simulation-spec.js'
import type { World } from './world-types.js'

// How a backfill is cut into tasks: one day at a time, each day into tenant ranges of
// about `batchRows` events, one insert each. Events per tenant-day grow with its users
// and the calendar, so ranges are cut on cumulative users scaled by the day's factor.

export interface BackfillTask {
  id: number
  day: number
  /** Tenant indexes [from, to). */
  from: number
  to: number
}

// Events per user and working day of the generator (sim/README.md: 0.49 to 0.64);
// only sizes the ranges, so a rough figure is enough.
const EVENTS_PER_USER_DAY = 0.55

export function planBackfill(
  world: World,
  options: { batchRows: number; tenants: { from: number; to: number } },
): BackfillTask[] {
  const tasks: BackfillTask[] = []
  const { from, to } = options.tenants
  for (let day = 0; day < world.days; day++) {
    const perUser = EVENTS_PER_USER_DAY * Math.max(world.dayFactor[day]!, 0.15)
    const usersPerTask = options.batchRows / perUser
    let start = from
    let users = 0
    for (let i = from; i < to; i++) {
      users += world.tenants[i]!.users
      if (users >= usersPerTask || i === to - 1) {
        tasks.push({ id: tasks.length, day, from: start, to: i + 1 })
        start = i + 1
        users = 0
      }
    }
  }
  return tasks
}

/**
 * A row's received_at in a backfill: the last millisecond of its simulated day. It is
 * at or after every timestamp of the day (so ingest's clock rule never moves one), it
 * does not depend on when the backfill ran (two runs write the same bytes), and it
 * grows day by day, so what reads lifecycle_events by received_at meets days in order.
 */
export const backfillReceivedAt = (world: World, day: number): number =>
  dayStartMs(world, day) + DAY_LENGTH_MS - 1
