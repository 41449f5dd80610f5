import type { ClickHouse } from '../platform/clickhouse.js'
import { backfill } from './backfill.js'
import { formatStats } from './format-stats.js'
import type { IngestLimits } from './normalize-sim-events.js'
import { createProgress, formatCount, type ProgressOut } from './progress.js'
import { buildWorld, type SimulationSpec } from './simulation-spec.js'
import { worldStats } from './stats.js'
import { streamWorld } from './stream.js'
import type { TrackingClient } from './tracking-client.js'
import { type RunRecord, writeGroundTruth, writeRunRecord } from './write-run-files.js'

// The simulate command's runs, each with its progress line on stderr, its summary on
// stdout, and its files beside it. The engines and the client come from the caller.

export interface RunIo {
  stdout: ProgressOut
  stderr: ProgressOut
}

export interface BackfillRun {
  spec: SimulationSpec
  outDir: string
  ch: ClickHouse
  limits: IngestLimits
  workers?: number | undefined
  batchRows?: number | undefined
}

export interface StreamRun {
  spec: SimulationSpec
  outDir: string
  client: TrackingClient
  url: string
  concurrency: number
  rate?: number | undefined
}

const mb = (bytes: number) => `${formatCount(bytes / 2 ** 20)} MB`
// maxRSS is in KiB, and counts the worker threads and the embedded engine: one process.
const peakRss = () => process.resourceUsage().maxRSS * 1024

function recordOf(
  mode: RunRecord['mode'],
  spec: SimulationSpec,
  tenants: number,
  startedAt: Date,
  result: Record<string, number>,
): RunRecord {
  const { modulesFile: _modulesFile, ...rest } = spec
  return {
    mode,
    spec: { ...rest, tenants },
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    result,
  }
}

export async function runBackfill(run: BackfillRun, io: RunIo) {
  const startedAt = new Date()
  const world = buildWorld(run.spec)
  const truth = writeGroundTruth(run.outDir, world)
  const progress = createProgress({ label: 'backfill', out: io.stderr, unit: 'events' })
  const result = await backfill({
    ch: run.ch,
    spec: run.spec,
    limits: run.limits,
    workers: run.workers,
    batchRows: run.batchRows,
    onProgress: (p) => progress.update(p.tenantDays / p.totalTenantDays, p.events),
  })
  progress.done()
  const rate = result.events / Math.max(result.seconds, 1e-3)
  const rss = peakRss()
  const record = writeRunRecord(
    run.outDir,
    recordOf('backfill', run.spec, world.tenants.length, startedAt, {
      ...result,
      eventsPerSecond: Math.round(rate),
      peakRssBytes: rss,
    }),
  )
  io.stdout.write(
    `backfill: ${formatCount(result.rows)} events written to ${run.ch.database}.events ` +
      `(${formatCount(result.rejected)} rejected) in ${result.seconds.toFixed(1)} s, ` +
      `${formatCount(rate)} events/s, ${formatCount(result.inserts)} inserts; peak RSS ${mb(rss)}\n` +
      `rollups: folded in ${result.rollupSeconds.toFixed(1)} s\n` +
      `ground truth: ${truth}\nrun: ${record}\n`,
  )
  return result
}

export async function runStream(run: StreamRun, io: RunIo) {
  const startedAt = new Date()
  const world = buildWorld(run.spec)
  const end = world.start.getTime() + world.days * 86_400_000
  if (end > Date.now()) {
    io.stderr.write(
      'simulate: the run ends after now; the API stores no event later than its arrival, so those timestamps will be cut to the send time\n',
    )
  }
  const truth = writeGroundTruth(run.outDir, world)
  const progress = createProgress({ label: 'stream', out: io.stderr, unit: 'events' })
  const result = await streamWorld({
    world,
    client: run.client,
    concurrency: run.concurrency,
    rate: run.rate,
    onProgress: (p) => progress.update(p.tenantDays / p.totalTenantDays, p.events),
  })
  progress.done()
  const rate = result.events / Math.max(result.seconds, 1e-3)
  const record = writeRunRecord(
    run.outDir,
    recordOf('stream', run.spec, world.tenants.length, startedAt, {
      ...result,
      eventsPerSecond: Math.round(rate),
      peakRssBytes: peakRss(),
    }),
  )
  io.stdout.write(
    `stream: ${formatCount(result.events)} events sent to ${run.url} ` +
      `(${formatCount(result.rejected)} rejected) in ${formatCount(result.requests)} requests ` +
      `and ${formatCount(result.retries)} retries, ${result.seconds.toFixed(1)} s, ${formatCount(rate)} events/s\n` +
      `ground truth: ${truth}\nrun: ${record}\n`,
  )
  return result
}

/** Generates every event of the world and prints its figures; stores nothing. */
export function runStats(spec: SimulationSpec, io: RunIo, options: { json: boolean }) {
  const world = buildWorld(spec)
  io.stderr.write(
    `stats: generating ${formatCount(world.tenants.length)} tenants × ${world.days} days (nothing is stored)\n`,
  )
  const stats = worldStats(world)
  io.stdout.write(
    options.json
      ? `${JSON.stringify({ spec: { ...spec, tenants: world.tenants.length }, ...stats })}\n`
      : `${spec.scale} preset, seed ${JSON.stringify(spec.seed)}, start ${spec.start}\n\n${formatStats(world, stats)}`,
  )
  return stats
}
