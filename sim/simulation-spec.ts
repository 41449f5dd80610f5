import { loadCatalogue } from './catalogue.js'
import { createWorld, type ScaleName, scales } from './world.js'
import type { World } from './world-types.js'

// What identifies a simulated run: the same spec gives the same world and events, in
// any process and any mode (backfill, stream, stats). It is plain data, so it can be
// written to run.json and handed to worker threads.

export interface SimulationSpec {
  seed: string
  scale: ScaleName
  /** Overrides the preset's tenant count (a smaller world, for tests and demos). */
  tenants?: number | undefined
  days: number
  /** The first simulated day, `YYYY-MM-DD` (a UTC midnight). */
  start: string
  /** modules.json, as the product and ingest both read it. */
  modulesFile: string
}

const DAY_MS = 86_400_000

/** DAYS days before today (UTC): a backfill of history that ends yesterday. */
export function defaultStart(days: number, now: number): string {
  const today = Math.floor(now / DAY_MS) * DAY_MS
  return new Date(today - days * DAY_MS).toISOString().slice(0, 10)
}

export function parseStart(text: string): Date {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) throw new RangeError(`start must be YYYY-MM-DD: ${text}`)
  const date = new Date(`${text}T00:00:00Z`)
  if (Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== text)
    throw new RangeError(`start is not a date: ${text}`)
  return date
}

export function buildWorld(spec: SimulationSpec): World {
  const preset = scales[spec.scale]
  return createWorld({
    seed: spec.seed,
    tenants: spec.tenants ?? preset.tenants,
    avgUsersPerTenant: preset.avgUsersPerTenant,
    days: spec.days,
    start: parseStart(spec.start),
    modules: loadCatalogue(spec.modulesFile),
  })
}

/** Midnight UTC (ms) of a day of the run. */
export const dayStartMs = (world: World, day: number): number =>
  world.start.getTime() + day * DAY_MS

export const DAY_LENGTH_MS = DAY_MS
