import { fork } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { cpus, tmpdir, totalmem } from 'node:os'
import path from 'node:path'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { quantile } from 'simple-statistics'
import { buildApp } from '../api/app.js'
import { startRuntime } from '../cli/runtime.js'
import { insertEncodedEvents, pendingBatch } from '../ingest/commit-batch.js'
import type { EventRow } from '../ingest/event-row.js'
import { runRollups } from '../jobs/fold-rollups.js'
import type { ClickHouse } from '../platform/clickhouse.js'
import { type Config, loadConfig } from '../platform/config.js'
import { createLogger } from '../platform/logger.js'
import type { Db } from '../platform/postgres.js'
import { startCpuProfile } from './cpu-profile.js'
import type { LoadOrder, LoadResult } from './load-client.js'

const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })

// CPU seconds of the whole server process (its event loop and the engine's threads)
// per second of a phase, beside the load client's: where the two cores went.
let serverCpu = process.cpuUsage()
let serverLoop = performance.eventLoopUtilization()
let loopThread = loopThreadTimes()
function takeServerCpu(): { cores: number; loop: number; loopCpu: number; loopWaiting: number } {
  const used = process.cpuUsage(serverCpu)
  const loop = performance.eventLoopUtilization(serverLoop)
  const thread = loopThreadTimes()
  serverCpu = process.cpuUsage()
  serverLoop = performance.eventLoopUtilization()
  const loopCpu = (thread.running - loopThread.running) / 1e9
  const loopWaiting = (thread.waiting - loopThread.waiting) / 1e9
  loopThread = thread
  return { cores: (used.user + used.system) / 1e6, loop: loop.utilization, loopCpu, loopWaiting }
}

/**
 * The event loop thread's own CPU time, and its time runnable but waiting for a core
 * (Linux's schedstat, in ns; zeros elsewhere). Per event, the first is the figure other
 * processes on the machine disturb least; the second shows how much they took.
 */
function loopThreadTimes(): { running: number; waiting: number } {
  try {
    const [running, waiting] = readFileSync(
      `/proc/${process.pid}/task/${process.pid}/schedstat`,
      'utf8',
    )
      .split(' ')
      .map(Number)
    return { running: running ?? 0, waiting: waiting ?? 0 }
  } catch {
    return { running: 0, waiting: 0 }
  }
}

// The largest resident size seen while load ran. The process's lifetime peak (maxRSS)
// also holds start-up, where a fresh DATA_DIR runs Postgres' initdb in PGlite.
let rssUnderLoad = 0
// How late the server's event loop ran its timers during a phase: the queueing that
// every request's latency includes.
let loopDelay = monitorEventLoopDelay({ resolution: 5 })

function load(order: LoadOrder): Promise<LoadResult> {
  takeServerCpu()
  loopDelay.disable()
  loopDelay = monitorEventLoopDelay({ resolution: 5 })
  loopDelay.enable()
  const child = fork(path.join(import.meta.dirname, 'load-client.ts'), {
    execArgv: ['--import', 'tsx'],
  })
  const sampler = setInterval(() => {
    rssUnderLoad = Math.max(rssUnderLoad, process.memoryUsage.rss())
  }, 250)
  return new Promise<LoadResult>((resolve, reject) => {
    child.once('message', (result) => resolve(result as LoadResult))
    child.once('error', reject)
    child.send(order)
  }).finally(() => clearInterval(sampler))
}

/** Inserts 600,000 rows in 10,000-row batches and prints rows/s. */
async function ceilingRun(name: string, insert: (done: number) => Promise<unknown>) {
  const rows = 600_000
  const started = performance.now()
  for (let done = 0; done < rows; done += 10_000) await insert(done)
  const perSecond = rows / ((performance.now() - started) / 1000)
  console.log(`${name.padEnd(34)} ${fmt(perSecond).padStart(9)} rows/s, 10,000-row batches`)
  return perSecond
}

/** A stored row's JSON columns back as objects, as ingest's encoder takes them. */
function withObjects(row: EventRow): EventRow {
  const parse = (v: unknown) => (typeof v === 'string' ? JSON.parse(v) : v)
  return {
    ...row,
    properties: parse(row.properties),
    context: parse(row.context),
    traits: parse(row.traits),
  }
}

function report(name: string, r: LoadResult) {
  const ms = r.latenciesMs.sort((a, b) => a - b)
  const server = takeServerCpu()
  const perEvent = (seconds: number) => fmt((1e6 * seconds) / Math.max(r.events, 1), 1)
  const cpu =
    `cpu: server ${fmt(server.cores / r.seconds, 2)} cores (event loop ${fmt(100 * server.loop)}% busy; ` +
    `its thread ${perEvent(server.loopCpu)} µs/event, other threads ${perEvent(server.cores - server.loopCpu)} µs/event; ` +
    `waited for a core ${fmt((100 * server.loopWaiting) / r.seconds)}% of the time), load client ${fmt(r.cpuSeconds / r.seconds, 2)}`
  loopDelay.disable()
  const delay = `event loop delay p99 ${fmt(loopDelay.percentile(99) / 1e6, 1)} ms, max ${fmt(loopDelay.max / 1e6, 1)} ms`
  const failed =
    Object.entries(r.failures)
      .map(([k, v]) => `${k}×${v}`)
      .join(' ') || 'none'
  console.log(
    `${name.padEnd(34)} ${fmt(r.events / r.seconds).padStart(9)} events/s acknowledged  ` +
      `p50 ${fmt(quantile(ms, 0.5), 1)} ms  p99 ${fmt(quantile(ms, 0.99), 1)} ms  ` +
      `(${fmt(r.requests)} requests in ${fmt(r.seconds, 1)} s; failed: ${failed}; ${delay}; ${cpu})`,
  )
  return r.events / r.seconds
}

/**
 * bench:ingest — events/s acknowledged end to end (HTTP → validated → committed in the
 * embedded ClickHouse) from concurrent clients sending 100-event batches, beside the
 * ceiling: the same kind of rows inserted straight into ClickHouse with the client.
 */
export async function benchIngest(args: string[]): Promise<number> {
  const seconds = Number(args.find((a) => a.startsWith('--seconds='))?.slice(10) ?? 15)
  const dataDir = mkdtempSync(path.join(tmpdir(), 'tenantpulse-bench-'))
  const writeKey = `wk_bench_${randomBytes(8).toString('hex')}`
  const config = loadConfig({
    // INGEST_* settings from the environment apply, so that one can measure them.
    ...Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('INGEST_'))),
    DATA_DIR: dataDir,
    INGEST_WRITE_KEY: writeKey,
    // Seeded, so that start-up does not print a fresh admin key into the bench's output.
    ADMIN_API_KEY: `tpk_bench_${randomBytes(12).toString('hex')}`,
    LOG_LEVEL: 'warn',
    PORT: '0',
  })
  console.log(
    `bench:ingest on ${cpus().length} cores, ${fmt(totalmem() / 2 ** 30)} GiB; embedded ClickHouse in ${dataDir}`,
  )
  console.log(
    `batches of 100 events, ${seconds} s a phase; group commit flush ${config.INGEST_FLUSH_ROWS} rows / ${config.INGEST_FLUSH_MS} ms, ${config.INGEST_INSERT_CONCURRENCY} in flight (the next once one has taken ${config.INGEST_OVERLAP_AFTER_MS} ms); rollups every ${config.ROLLUP_EVERY_MS} ms on ${config.ROLLUP_MAX_THREADS} thread(s)\n`,
  )

  const runtime = await startRuntime(config, createLogger(config.LOG_LEVEL))
  const app = await buildApp(runtime)
  const url = `${await app.listen({ host: '127.0.0.1', port: 0 })}/v1/batch`
  const rssAtStart = process.memoryUsage.rss()
  try {
    const base = { url, writeKey, batchSize: 100, durationMs: seconds * 1000, tenants: 10_000 }
    // Warm-up: JIT, the first parts, the user-group cache.
    await load({ ...base, mode: 'closed', clients: 8, durationMs: 2000, runId: 'warm' })

    // The rollups job, as the workers run it: every ROLLUP_EVERY_MS, in this process.
    const rollups = startRollupLoop(runtime, config)
    await rollups.catchUp()
    const clients = Number(args.find((a) => a.startsWith('--clients='))?.slice(10) ?? 256)
    rollups.reset()
    const profileFile = args.find((a) => a.startsWith('--cpu-prof='))?.slice(11)
    const profile = profileFile === undefined ? undefined : await startCpuProfile(profileFile)
    const closed = await load({ ...base, mode: 'closed', clients, runId: 'closed' })
    const hottest = await profile?.stop()
    const acknowledged = report(`HTTP, ${clients} clients, closed loop`, closed)
    if (hottest) {
      console.log(`${''.padEnd(34)} event loop's self time, closed loop (${profileFile}):`)
      for (const line of hottest) console.log(`${''.padEnd(36)}${line}`)
    }
    await printInserts(runtime)
    await rollups.print()
    // 60% of the capacity just measured, offered at a fixed rate.
    const offered = Math.round((0.6 * acknowledged) / 100) * 100
    rollups.reset()
    const open = await load({
      ...base,
      mode: 'open',
      clients: 64,
      requestsPerSecond: offered / 100,
      runId: 'open',
    })
    report(`HTTP, ${fmt(offered)} events/s offered (60%)`, open)
    await printInserts(runtime)
    await rollups.print()
    await rollups.stop()

    // The ceiling: the rows of a request, normalised once, inserted straight with the
    // client in 10,000-row batches, the way a bulk loader would: as JSON objects through
    // client.insert, and as ingest sends them (TabSeparated, encoding included). The
    // same encoded rows into a copy of `events` that feeds no view show what the
    // rollups cost.
    const sample = await sampleRows(runtime.ch, 1000)
    const { ch } = runtime
    const sampleObjects = sample.map(withObjects)
    // The ceiling's table: a plain MergeTree with the columns of `events`, no views.
    await ch.client.command({
      query: `CREATE TABLE ${ch.database}.bench_events_plain AS ${ch.database}.events ENGINE = MergeTree ORDER BY (tenant_id, toDate(timestamp), message_id)`,
    })
    // 10,000 rows cycled from the sample, each with its own message id.
    const rowsFrom = <T extends object>(rows: T[], done: number) =>
      Array.from({ length: 10_000 }, (_, i) => ({
        ...rows[i % rows.length]!,
        message_id: `ceil-${done + i}`,
      }))
    const json = await ceilingRun('plain table, JSONEachRow', (done) =>
      ch.client.insert({
        table: `${ch.database}.bench_events_plain`,
        values: rowsFrom(sample, done),
        format: 'JSONEachRow',
      }),
    )
    const encodedInto = (table: string) => (done: number) => {
      const batch = pendingBatch(rowsFrom(sampleObjects, done), [])
      return insertEncodedEvents(ch, batch.events, { table, feed: batch.feed })
    }
    const tsv = await ceilingRun('plain table, TabSeparated', encodedInto('bench_events_plain'))
    await ceilingRun('  events, as ingest writes it', encodedInto('events'))
    const ceiling = Math.max(json, tsv)
    console.log(`\nratio acknowledged / ceiling: ${fmt(acknowledged / ceiling, 2)}`)
    console.log(
      `peak RSS: server ${fmt(process.resourceUsage().maxRSS / 1024)} MB over the run, ${fmt(rssUnderLoad / 2 ** 20)} MB at most under load (sampled), ${fmt(rssAtStart / 2 ** 20)} MB after start-up; load client ${fmt(Math.max(closed.maxRssBytes, open.maxRssBytes) / 2 ** 20)} MB`,
    )
  } finally {
    await app.close()
    await runtime.close()
    rmSync(dataDir, { recursive: true, force: true })
  }
  return 0
}

/**
 * The rollups job on a timer, as the workers run it, with what a phase saw: the largest
 * lag a run found (how long the oldest unfolded part had waited), and what it folded.
 */
function startRollupLoop(
  runtime: { ch: ClickHouse; db: Db },
  config: Pick<Config, 'ROLLUP_EVERY_MS' | 'ROLLUP_FOLD_MAX_ROWS' | 'ROLLUP_MAX_THREADS'>,
) {
  let phase = { runs: 0, rows: 0, maxLag: 0, seconds: 0 }
  let stopped = false
  let running: Promise<void> = Promise.resolve()
  const once = async () => {
    const started = performance.now()
    const run = await runRollups(runtime, {
      maxRows: config.ROLLUP_FOLD_MAX_ROWS,
      maxThreads: config.ROLLUP_MAX_THREADS,
    })
    phase.runs++
    phase.rows += run.pendingRows
    phase.maxLag = Math.max(phase.maxLag, run.lagSeconds)
    phase.seconds += (performance.now() - started) / 1000
  }
  const loop = async () => {
    while (!stopped) {
      running = once()
      await running
      await new Promise((resolve) => setTimeout(resolve, config.ROLLUP_EVERY_MS))
    }
  }
  void loop()
  return {
    reset() {
      phase = { runs: 0, rows: 0, maxLag: 0, seconds: 0 }
    },
    async catchUp() {
      await running
      await once()
    },
    async print() {
      const caught = performance.now()
      await running
      await once()
      console.log(
        `${''.padEnd(34)} rollups: ${fmt(phase.runs)} runs folded ${fmt(phase.rows)} events in ${fmt(phase.seconds, 1)} s; ` +
          `lag at most ${fmt(phase.maxLag, 1)} s under load; caught up ${fmt((performance.now() - caught) / 1000, 1)} s after the load stopped`,
      )
    },
    async stop() {
      stopped = true
      await running
    },
  }
}

let seen = { count: 0, rows: 0, seconds: 0 }
/** The group commits since the last call: how many, how big, how long. */
async function printInserts(runtime: { metrics: import('../platform/metrics.js').Metrics }) {
  const rows = (await runtime.metrics.insertRows.get()).values
  const secs = (await runtime.metrics.insertSeconds.get()).values
  const pick = (values: typeof rows, name: string) =>
    values.filter((v) => v.metricName === name).reduce((a, v) => a + v.value, 0)
  const now = {
    count: pick(rows, 'tenantpulse_ingest_insert_rows_count'),
    rows: pick(rows, 'tenantpulse_ingest_insert_rows_sum'),
    seconds: pick(secs, 'tenantpulse_ingest_insert_seconds_sum'),
  }
  const d = {
    count: now.count - seen.count,
    rows: now.rows - seen.rows,
    seconds: now.seconds - seen.seconds,
  }
  seen = now
  console.log(
    `${''.padEnd(34)} ${fmt(d.count)} inserts, ${fmt(d.rows / d.count)} rows and ${fmt((1000 * d.seconds) / d.count, 1)} ms each on average`,
  )
}

async function sampleRows(
  ch: { client: import('@clickhouse/client').ClickHouseClient; database: string },
  n: number,
): Promise<EventRow[]> {
  const result = await ch.client.query({
    query: `SELECT * EXCEPT (timestamp, received_at), toString(timestamp) AS timestamp, toString(received_at) AS received_at FROM ${ch.database}.events LIMIT ${n}`,
    format: 'JSONEachRow',
  })
  return result.json<EventRow>()
}
