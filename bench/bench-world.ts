import { mkdtempSync, rmSync } from 'node:fs'
import { cpus, loadavg, tmpdir, totalmem } from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { migratePostgres } from '../crm/migrate.js'
import { syncCrm } from '../jobs/sync-crm.js'
import { type ClickHouse, createClickHouse, queryRows } from '../platform/clickhouse.js'
import type { Config } from '../platform/config.js'
import { migrateClickHouse } from '../platform/migrate-clickhouse.js'
import { createPostgres, type Db } from '../platform/postgres.js'
import { runBackfill } from '../sim/run-simulation.js'
import type { ScaleName } from '../sim/world.js'

// What bench:rules and bench:backtest share: a simulated history in an embedded
// ClickHouse under a DATA_DIR of its own (or one reused from an earlier run), and the
// figures printed around a run (machine, load, peak memory).

export interface WorldArgs {
  /** An already backfilled DATA_DIR: no backfill, and it is kept. */
  reuse: string | undefined
  keep: boolean
  tenants: number
  days: number
}

export interface WorldPreset {
  scale: ScaleName
  tenants: number
  days: number
  /** The first simulated day, fixed so that two runs store the same events. */
  start: string
}

export function parseWorldArgs(args: string[], preset: WorldPreset): WorldArgs {
  const { values } = parseArgs({
    args,
    strict: true,
    allowPositionals: false,
    options: {
      reuse: { type: 'string' },
      keep: { type: 'boolean', default: false },
      tenants: { type: 'string' },
      days: { type: 'string' },
    },
  })
  const positive = (name: string, text: string | undefined, fallback: number) => {
    if (text === undefined) return fallback
    const n = Number(text)
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`--${name} must be a positive integer`)
    return n
  }
  return {
    reuse: values.reuse === undefined ? undefined : path.resolve(values.reuse),
    keep: values.keep === true || values.reuse !== undefined,
    tenants: positive('tenants', values.tenants, preset.tenants),
    days: positive('days', values.days, preset.days),
  }
}

export interface BenchWorld {
  ch: ClickHouse
  dataDir: string
  /** The first and last day with events, YYYY-MM-DD. */
  firstDay: string
  lastDay: string
  events: number
  close(): Promise<void>
}

/**
 * Opens the embedded ClickHouse of a fresh temporary DATA_DIR and backfills the world
 * into it (the simulator's own backfill, its progress on stderr), or opens a reused
 * one as it is. The server settings (CLICKHOUSE_URL) are ignored on purpose: the
 * figures are the embedded engine's.
 */
export async function openBenchWorld(
  args: WorldArgs,
  preset: WorldPreset,
  config: Config,
): Promise<BenchWorld> {
  const dataDir = args.reuse ?? mkdtempSync(path.join(tmpdir(), 'tenantpulse-bench-'))
  const ch = await createClickHouse({ dataDir, database: config.CLICKHOUSE_DATABASE })
  const close = async () => {
    await ch.close()
    if (args.keep) console.log(`data dir kept: ${dataDir}`)
    else rmSync(dataDir, { recursive: true, force: true })
  }
  try {
    await migrateClickHouse(ch)
    if (args.reuse === undefined) {
      console.log(
        `backfill: ${fmt(args.tenants)} tenants × ${args.days} days, ${preset.scale} preset's users per tenant, from ${preset.start}, into ${dataDir}`,
      )
      await runBackfill(
        {
          spec: {
            seed: 'tenantpulse',
            scale: preset.scale,
            tenants: args.tenants,
            days: args.days,
            start: preset.start,
            modulesFile: config.modulesFile,
          },
          outDir: path.join(dataDir, 'simulation'),
          ch,
          limits: config,
        },
        { stdout: process.stdout, stderr: process.stderr },
      )
    }
    const [span] = await queryRows<{ first: string; last: string; events: string }>(
      ch,
      'SELECT toString(min(toDate(timestamp))) AS first, toString(max(toDate(timestamp))) AS last, count() AS events FROM {db:Identifier}.events',
    )
    if (span === undefined || Number(span.events) === 0)
      throw new Error(`no events in ${dataDir}: nothing to measure`)
    return {
      ch,
      dataDir,
      firstDay: span.first,
      lastDay: span.last,
      events: Number(span.events),
      close,
    }
  } catch (error) {
    await close()
    throw error
  }
}

/**
 * Waits (bounded) until the engine has no merge running: right after a backfill the
 * background merges of its last parts would take CPU from the queries measured.
 */
export async function settleMerges(ch: ClickHouse, maxSeconds = 300): Promise<number> {
  const started = performance.now()
  for (;;) {
    const [row] = await queryRows<{ merges: string }>(
      ch,
      'SELECT count() AS merges FROM system.merges WHERE database = {db:String}',
      { db: ch.database },
    )
    const seconds = (performance.now() - started) / 1000
    if (Number(row?.merges ?? 0) === 0 || seconds > maxSeconds) return seconds
    await new Promise((resolve) => setTimeout(resolve, 1000))
  }
}

export const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })

export const loadAverage = () =>
  `load average ${loadavg()
    .map((x) => x.toFixed(2))
    .join(', ')}`

export const machine = () =>
  `${cpus().length} cores, ${fmt(totalmem() / 2 ** 30)} GiB, Node ${process.versions.node}`

/** maxRSS is in KiB and covers the whole process: the engines run in it. */
export const peakRss = () => `peak RSS ${fmt(process.resourceUsage().maxRSS / 1024)} MB`

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

/**
 * The world's CRM store: an embedded Postgres (PGlite) in the world's directory, with
 * the whole history applied by crm-sync and each account's lifecycle mirrored back to
 * ClickHouse, where the rules read their audiences. Closed by the caller.
 */
export async function openBenchCrm(world: BenchWorld): Promise<Db> {
  const db = await createPostgres({ dataDir: world.dataDir })
  try {
    await migratePostgres(db)
    const started = performance.now()
    // One pass over the whole history: no overlap is needed when nothing is in flight.
    const sync = await syncCrm({ ch: world.ch, db }, { overlapMs: 0, pageSize: 50_000 })
    console.log(
      `crm sync: ${fmt(sync.read)} lifecycle events read, ${fmt(sync.applied)} applied, ` +
        `${fmt(sync.duplicates)} already applied, ${fmt(sync.poisoned)} set aside, ` +
        `${fmt(sync.mirrored)} lifecycle moves mirrored, in ${fmt((performance.now() - started) / 1000, 1)} s`,
    )
    return db
  } catch (error) {
    await db.close()
    throw error
  }
}
