import path from 'node:path'
import { parseArgs } from 'node:util'
import { createClickHouse } from '../platform/clickhouse.js'
import type { Config } from '../platform/config.js'
import { migrateClickHouse } from '../platform/migrate-clickhouse.js'
import { runBackfill, runStats, runStream } from '../sim/run-simulation.js'
import { defaultStart, parseStart, type SimulationSpec } from '../sim/simulation-spec.js'
import { createTrackingClient } from '../sim/tracking-client.js'
import { type ScaleName, scales } from '../sim/world.js'

export const simulateUsage = `Usage: tenantpulse simulate (--backfill DAYS | --stream | --stats) [options]

Modes:
  --backfill DAYS      write DAYS days of history straight into ClickHouse, through
                       ingest's normalisation, in large inserts
  --stream             send the events through the tracking API as an SDK would
                       (batches of <= 500 events / 500 KB, retries on 503/429)
  --stats              generate every event, store nothing, print the world's figures

The world (the same options give the same events, in every mode):
  --scale small|full   preset: small 200 tenants x 20 users, full 10,000 x 240 (default small)
  --seed TEXT          default tenantpulse
  --days N             days to stream or measure (default: the preset's, small 45, full 30)
  --start YYYY-MM-DD   the first day (default: the days before today, UTC, ending yesterday)
  --tenants N          a world of N tenants instead of the preset's count

Backfill and stream:
  --out DIR            where ground-truth.json and run.json go (default DATA_DIR/simulation)
  --workers N          backfill: generating threads (default: one per core)
  --batch-rows N       backfill: rows per insert, roughly (default 50000)
  --url URL            stream: the service (default http://HOST:PORT)
  --write-key KEY      stream: default INGEST_WRITE_KEY
  --concurrency N      stream: requests in flight (default 8)
  --rate N             stream: events per second at most (default: as fast as it answers)
  --json               stats: one JSON object instead of text

ClickHouse comes from CLICKHOUSE_URL, else the embedded engine under DATA_DIR (a running
server on the same DATA_DIR holds it: stop it, or stream to it instead).`

class UsageError extends Error {
  override name = 'UsageError'
}

// Failures the person at the terminal can act on get one line; others keep their stack.
const expectedErrors = new Set([
  'RangeError',
  'StreamError',
  'EmbeddedDirectoryBusyError',
  'MigrationError',
  'ClickHouseError',
])

function positiveInt(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined
  const n = Number(text)
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name} must be a positive integer`)
  return n
}

function parse(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      backfill: { type: 'string' },
      stream: { type: 'boolean' },
      stats: { type: 'boolean' },
      scale: { type: 'string', default: 'small' },
      seed: { type: 'string', default: 'tenantpulse' },
      days: { type: 'string' },
      start: { type: 'string' },
      tenants: { type: 'string' },
      out: { type: 'string' },
      workers: { type: 'string' },
      'batch-rows': { type: 'string' },
      url: { type: 'string' },
      'write-key': { type: 'string' },
      concurrency: { type: 'string' },
      rate: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  })
  return values
}

type Values = ReturnType<typeof parse>

function specOf(values: Values, config: Config): SimulationSpec {
  const scale = values.scale as ScaleName
  if (!(scale in scales)) throw new UsageError('--scale must be small or full')
  if (values.backfill !== undefined && values.days !== undefined)
    throw new UsageError('--backfill DAYS sets the days; leave out --days')
  const days =
    positiveInt('backfill', values.backfill) ??
    positiveInt('days', values.days) ??
    scales[scale].days
  const start = values.start ?? defaultStart(days, Date.now())
  try {
    parseStart(start)
  } catch (error) {
    throw new UsageError((error as Error).message)
  }
  return {
    seed: values.seed ?? 'tenantpulse',
    scale,
    tenants: positiveInt('tenants', values.tenants),
    days,
    start,
    modulesFile: config.modulesFile,
  }
}

function defaultUrl(config: Config): string {
  // A server bound to every interface is reached on loopback.
  const host = ['0.0.0.0', '::', ''].includes(config.HOST) ? '127.0.0.1' : config.HOST
  return `http://${host.includes(':') ? `[${host}]` : host}:${config.PORT}`
}

async function simulate(argv: string[], config: Config): Promise<number> {
  const values = parse(argv)
  if (values.help) {
    process.stdout.write(`${simulateUsage}\n`)
    return 0
  }
  const modes = [values.backfill !== undefined, values.stream, values.stats].filter(Boolean)
  if (modes.length !== 1) throw new UsageError('choose one of --backfill DAYS, --stream, --stats')
  const spec = specOf(values, config)
  const io = { stdout: process.stdout, stderr: process.stderr }
  const outDir = path.resolve(values.out ?? path.join(config.dataDir, 'simulation'))

  if (values.stats) {
    runStats(spec, io, { json: values.json === true })
    return 0
  }
  if (values.stream) {
    const writeKey = values['write-key'] ?? config.INGEST_WRITE_KEY
    if (writeKey === undefined)
      throw new UsageError('--stream needs a write key: --write-key KEY or INGEST_WRITE_KEY')
    const url = values.url ?? defaultUrl(config)
    const concurrency = positiveInt('concurrency', values.concurrency) ?? 8
    const client = createTrackingClient({ url, writeKey, maxSockets: concurrency })
    try {
      const rate = positiveInt('rate', values.rate)
      await runStream({ spec, outDir, client, url, concurrency, rate }, io)
    } finally {
      client.close()
    }
    return 0
  }
  const ch = await createClickHouse({
    url: config.CLICKHOUSE_URL,
    dataDir: config.dataDir,
    database: config.CLICKHOUSE_DATABASE,
  })
  try {
    await migrateClickHouse(ch)
    const workers = positiveInt('workers', values.workers)
    const batchRows = positiveInt('batch-rows', values['batch-rows'])
    await runBackfill({ spec, outDir, ch, limits: config, workers, batchRows }, io)
  } finally {
    await ch.close()
  }
  return 0
}

/** `tenantpulse simulate …`: 0 done, 1 a usage error, 2 a failure with its reason. */
export async function runSimulate(argv: string[], config: Config): Promise<number> {
  try {
    return await simulate(argv, config)
  } catch (error) {
    const name = (error as Error).constructor.name
    const usage =
      name === 'UsageError' || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')
    if (usage) {
      process.stderr.write(
        `tenantpulse simulate: ${(error as Error).message}\n\n${simulateUsage}\n`,
      )
      return 1
    }
    if (expectedErrors.has(name)) {
      process.stderr.write(`tenantpulse simulate: ${(error as Error).message}\n`)
      return 2
    }
    throw error
  }
}
