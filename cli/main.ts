import { parseArgs } from 'node:util'
import { getAccount } from '../crm/accounts.js'
import { listActivity } from '../crm/activity-log.js'
import { migratePostgres } from '../crm/migrate.js'
import { createClickHouse } from '../platform/clickhouse.js'
import { ConfigError, loadConfig } from '../platform/config.js'
import { createLogger } from '../platform/logger.js'
import { migrateClickHouse } from '../platform/migrate-clickhouse.js'
import { createPostgres } from '../platform/postgres.js'
import { backtest, crmMirror, evaluateNow, keysCreate, rulesExplain } from './commands.js'
import { startServer } from './runtime.js'

const usage = `Usage: tenantpulse <command>

Commands:
  serve      start the HTTP API and the job workers in one process; applies migrations
             first (--no-workers: the API alone, for a deployment with separate workers)
  worker     start the job workers alone (needs CLICKHOUSE_URL and DATABASE_URL servers,
             since the embedded engines belong to one process)
  migrate    apply the ClickHouse and Postgres migrations and exit
  sql        run one read-only query on ClickHouse and print the rows as JSON lines,
             e.g. tenantpulse sql "SELECT count() FROM {db:Identifier}.events"
             (embedded ClickHouse: only while no server runs on the same DATA_DIR)
  account    print one account of the CRM store with its activity log, as JSON:
             tenantpulse account <tenantId> (embedded: while no server runs)
  evaluate   run the active rules now and apply the firings (--kind abm|churn,
             --as-of YYYY-MM-DD, --dry-run to write nothing)
  backtest   a rule over a past period: --rule <id> | --file <rule.json>,
             --from YYYY-MM-DD --to YYYY-MM-DD [--horizon 30]
  rules explain <rule.json> [--backtest]
             the rule's compiled ClickHouse query and its parameters
  crm mirror --rebuild
             write ClickHouse's copy of each account's lifecycle stages anew from the
             CRM store's activity log (embedded: while no server runs)
  keys create --role admin|sales|csm|data|write --name <name>
             a new API key (write: for the tracking API), printed once
  demo       the service with a small simulated world, its leads and alerts printed
  simulate   the simulated SaaS: --backfill DAYS | --stream | --stats, --scale small|full
             (tenantpulse simulate --help for every option)
  model      the churn model: model train | evaluate | explain <tenantId>
             (tenantpulse model --help for every option)
  bench      run a benchmark: bench ingest | rules | backtest | model

Configuration comes from environment variables; see .env.example.`

function fail(message: string): number {
  process.stderr.write(`${message}\n`)
  return 1
}

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: false,
    options: { help: { type: 'boolean', short: 'h' } },
  })
  const [command] = positionals
  if (
    (values.help && command !== 'simulate' && command !== 'model') ||
    command === undefined ||
    command === 'help'
  ) {
    process.stdout.write(`${usage}\n`)
    return command === undefined && !values.help ? 1 : 0
  }
  const config = loadConfig()
  const log = createLogger(config.LOG_LEVEL)
  switch (command) {
    case 'serve':
    case 'worker': {
      const server = await startServer(config, log, {
        http: command === 'serve',
        workers: command === 'worker' || !argv.includes('--no-workers'),
      })
      const stop = async (signal: string) => {
        log.info({ signal }, 'shutting down')
        await server.close()
        process.exit(0)
      }
      process.once('SIGTERM', stop)
      process.once('SIGINT', stop)
      return -1
    }
    case 'migrate': {
      const ch = await createClickHouse({
        url: config.CLICKHOUSE_URL,
        dataDir: config.dataDir,
        database: config.CLICKHOUSE_DATABASE,
      })
      const db = await createPostgres({ url: config.DATABASE_URL, dataDir: config.dataDir })
      try {
        const applied = [...(await migrateClickHouse(ch)), ...(await migratePostgres(db))]
        process.stdout.write(
          applied.length > 0 ? `applied: ${applied.join(', ')}\n` : 'nothing to apply\n',
        )
      } finally {
        await db.close()
        await ch.close()
      }
      return 0
    }
    case 'sql': {
      const query = positionals.slice(1).join(' ')
      if (query === '') {
        process.stderr.write('usage: tenantpulse sql "<query>"\n')
        return 1
      }
      const ch = await createClickHouse({
        url: config.CLICKHOUSE_URL,
        dataDir: config.dataDir,
        database: config.CLICKHOUSE_DATABASE,
      })
      try {
        const result = await ch.client.query({
          query,
          format: 'JSONEachRow',
          query_params: { db: ch.database },
          // A look, never a change: the engine refuses writes and DDL in this mode.
          clickhouse_settings: { readonly: '1' },
        })
        for (const row of await result.json()) process.stdout.write(`${JSON.stringify(row)}\n`)
      } finally {
        await ch.close()
      }
      return 0
    }
    case 'account': {
      const tenantId = positionals[1]
      if (!tenantId) {
        process.stderr.write('usage: tenantpulse account <tenantId>\n')
        return 1
      }
      const db = await createPostgres({ url: config.DATABASE_URL, dataDir: config.dataDir })
      try {
        const account = await getAccount(db, tenantId)
        if (!account) {
          process.stderr.write(`no account ${tenantId}\n`)
          return 1
        }
        const activity = await listActivity(db, tenantId)
        process.stdout.write(`${JSON.stringify({ account, activity }, null, 2)}\n`)
      } finally {
        await db.close()
      }
      return 0
    }
    case 'demo':
      return (await import('./demo.js')).runDemo(config, log)
    case 'simulate':
      return (await import('./simulate.js')).runSimulate(
        argv.slice(argv.indexOf('simulate') + 1),
        config,
      )
    case 'evaluate':
      return evaluateNow(argv.slice(1), config, log)
    case 'backtest':
      return backtest(argv.slice(1), config, log)
    case 'rules':
      if (positionals[1] !== 'explain') return fail(usage)
      return rulesExplain(argv.slice(argv.indexOf('explain') + 1), config)
    case 'crm':
      if (positionals[1] !== 'mirror') return fail(usage)
      return crmMirror(argv.slice(argv.indexOf('mirror') + 1), config, log)
    case 'keys':
      if (positionals[1] !== 'create') return fail(usage)
      return keysCreate(argv.slice(argv.indexOf('create') + 1), config, log)
    case 'model': {
      const { runModel, modelUsage } = await import('./model.js')
      if (values.help) {
        process.stdout.write(`${modelUsage}\n`)
        return 0
      }
      return runModel(argv.slice(argv.indexOf('model') + 1), config, log)
    }
    case 'bench': {
      const { runBench } = await import('../bench/run.js')
      return runBench(argv.slice(argv.indexOf('bench') + 1), config)
    }
    default:
      process.stderr.write(`unknown command: ${command}\n\n${usage}\n`)
      return 1
  }
}

try {
  const code = await main(process.argv.slice(2))
  if (code >= 0) process.exit(code)
} catch (error) {
  // Expected failures (bad configuration, a busy data directory, a refused query) are
  // one line for the person at the terminal; anything else keeps its stack.
  // By constructor name: chDB throws ClickHouseError from its own copy of the client.
  const known = [
    'EmbeddedDirectoryBusyError',
    'EmbeddedPostgresBusyError',
    'RedisUnavailableError',
    'MigrationError',
    'ModuleCatalogueError',
    'ClickHouseError',
    'TooFewOutcomesError',
    'TimeSplitError',
    'ModelFeaturesMismatchError',
  ]
  if (error instanceof ConfigError || known.includes((error as Error).constructor.name)) {
    process.stderr.write(`tenantpulse: ${(error as Error).message}\n`)
    process.exit(2)
  }
  throw error
}
