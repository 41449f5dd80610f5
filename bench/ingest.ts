import { fork } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { cpus, tmpdir, totalmem } from 'node:os'
import path from 'node:path'
import { quantile } from 'simple-statistics'
import { buildApp } from '../api/app.js'
import { startRuntime } from '../cli/runtime.js'
import type { EventRow } from '../ingest/event-row.js'
import { loadConfig } from '../platform/config.js'
import { createLogger } from '../platform/logger.js'
import type { LoadOrder, LoadResult } from './load-client.js'

const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })

// CPU seconds of the whole server process (its event loop and the engine's threads)
// per second of a phase, beside the load client's: where the two cores went.
let serverCpu = process.cpuUsage()
let serverLoop = performance.eventLoopUtilization()
function takeServerCpu(): { cores: number; loop: number } {
  const used = process.cpuUsage(serverCpu)
  const loop = performance.eventLoopUtilization(serverLoop)
  serverCpu = process.cpuUsage()
  serverLoop = performance.eventLoopUtilization()
  return { cores: (used.user + used.system) / 1e6, loop: loop.utilization }
}

function load(order: LoadOrder): Promise<LoadResult> {
  takeServerCpu()
  const child = fork(path.join(import.meta.dirname, 'load-client.ts'), {
    execArgv: ['--import', 'tsx'],
  })
  return new Promise((resolve, reject) => {
    child.once('message', (result) => resolve(result as LoadResult))
    child.once('error', reject)
    child.send(order)
  })
}

function report(name: string, r: LoadResult) {
  const ms = r.latenciesMs.sort((a, b) => a - b)
  const server = takeServerCpu()
  const cpu = `cpu: server ${fmt(server.cores / r.seconds, 2)} cores (event loop ${fmt(100 * server.loop)}% busy), load client ${fmt(r.cpuSeconds / r.seconds, 2)}`
  const failed =
    Object.entries(r.failures)
      .map(([k, v]) => `${k}×${v}`)
      .join(' ') || 'none'
  console.log(
    `${name.padEnd(34)} ${fmt(r.events / r.seconds).padStart(9)} events/s acknowledged  ` +
      `p50 ${fmt(quantile(ms, 0.5), 1)} ms  p99 ${fmt(quantile(ms, 0.99), 1)} ms  ` +
      `(${fmt(r.requests)} requests in ${fmt(r.seconds, 1)} s; failed: ${failed}; ${cpu})`,
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
    `batches of 100 events, ${seconds} s a phase; group commit flush ${config.INGEST_FLUSH_ROWS} rows / ${config.INGEST_FLUSH_MS} ms, ${config.INGEST_INSERT_CONCURRENCY} in flight\n`,
  )

  const runtime = await startRuntime(config, createLogger(config.LOG_LEVEL))
  const app = await buildApp(runtime)
  const url = `${await app.listen({ host: '127.0.0.1', port: 0 })}/v1/batch`
  try {
    const base = { url, writeKey, batchSize: 100, durationMs: seconds * 1000, tenants: 10_000 }
    // Warm-up: JIT, the first parts, the user-group cache.
    await load({ ...base, mode: 'closed', clients: 8, durationMs: 2000, runId: 'warm' })

    const clients = Number(args.find((a) => a.startsWith('--clients='))?.slice(10) ?? 256)
    const closed = await load({ ...base, mode: 'closed', clients, runId: 'closed' })
    const acknowledged = report(`HTTP, ${clients} clients, closed loop`, closed)
    await printInserts(runtime)
    const open = await load({
      ...base,
      mode: 'open',
      clients: 64,
      requestsPerSecond: 500,
      runId: 'open',
    })
    report('HTTP, 50,000 events/s offered', open)
    await printInserts(runtime)
    const half = await load({
      ...base,
      mode: 'open',
      clients: 64,
      requestsPerSecond: 250,
      runId: 'half',
    })
    report('HTTP, 25,000 events/s offered', half)
    await printInserts(runtime)

    // The ceiling: the rows of a request, normalised once, inserted straight with the
    // client in 10,000-row batches, the way a bulk loader would.
    const sample = await sampleRows(runtime.ch, 1000)
    const ceilingRows = 600_000
    const started = performance.now()
    for (let done = 0; done < ceilingRows; done += 10_000) {
      const values = Array.from({ length: 10_000 }, (_, i) => ({
        ...sample[i % sample.length]!,
        message_id: `ceil-${done + i}`,
      }))
      await runtime.ch.client.insert({
        table: `${runtime.ch.database}.events`,
        values,
        format: 'JSONEachRow',
      })
    }
    const ceiling = ceilingRows / ((performance.now() - started) / 1000)
    console.log(
      `${'client insert, 10,000-row batches'.padEnd(34)} ${fmt(ceiling).padStart(9)} rows/s (the ceiling)`,
    )
    console.log(`\nratio acknowledged / ceiling: ${fmt(acknowledged / ceiling, 2)}`)
    console.log(
      `peak RSS: server ${fmt(process.resourceUsage().maxRSS / 1024)} MB, load client ${fmt(Math.max(closed.maxRssBytes, open.maxRssBytes, half.maxRssBytes) / 2 ** 20)} MB`,
    )
  } finally {
    await app.close()
    await runtime.close()
    rmSync(dataDir, { recursive: true, force: true })
  }
  return 0
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
