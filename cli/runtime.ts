import { createApiKey, ensureAdminKey, seedApiKey } from '../api/api-keys.js'
import { type AppDeps, buildApp } from '../api/app.js'
import { loadBuiltinPlaybooks } from '../crm/builtin-playbooks.js'
import { readDeploymentId } from '../crm/deployment.js'
import { migratePostgres } from '../crm/migrate.js'
import { installBuiltinPlaybooks } from '../crm/playbooks-store.js'
import { installBuiltinRules } from '../crm/rules-store.js'
import { createIngestService } from '../ingest/ingest-service.js'
import { loadModuleCatalogue, type ModuleCatalogue } from '../ingest/module-catalogue.js'
import { createWriteKeyStore } from '../ingest/write-keys.js'
import { createQueue, evaluateNow, queuePrefixOf } from '../jobs/queues.js'
import { startWorkers, type WorkerOptions, type Workers } from '../jobs/workers.js'
import { type ClickHouse, createClickHouse } from '../platform/clickhouse.js'
import type { Config } from '../platform/config.js'
import type { Logger } from '../platform/logger.js'
import { createMetrics } from '../platform/metrics.js'
import { migrateClickHouse } from '../platform/migrate-clickhouse.js'
import { createPostgres, type Db } from '../platform/postgres.js'
import { connectRedis, evictionPolicy, type Redis, type RedisHandle } from '../platform/redis.js'
import { releaseStartUpMemory } from '../platform/release-start-up-memory.js'
import { loadBuiltinRules } from '../rules/builtin.js'

export interface Runtime extends AppDeps {
  db: Db
  catalogue: ModuleCatalogue
  /** The CRM store's deployment id and the queue prefix made of it. */
  deployment: { id: string; queuePrefix: string }
  close(): Promise<void>
}

export interface Engines {
  /** Engines a test shares across runtimes; they stay open when the runtime closes. */
  ch?: ClickHouse
  db?: Db
}

/**
 * The composition root: engines, migrations, and the services built on them, in the
 * order they depend on each other. Closing goes the other way round.
 */
export async function startRuntime(
  config: Config,
  log: Logger,
  engines: Engines = {},
): Promise<Runtime> {
  const owned: Array<() => Promise<void>> = []
  const closeOwned = async () => {
    for (const close of owned.reverse()) await close()
  }
  try {
    const ch =
      engines.ch ??
      (await createClickHouse({
        url: config.CLICKHOUSE_URL,
        dataDir: config.dataDir,
        database: config.CLICKHOUSE_DATABASE,
      }))
    if (!engines.ch) owned.push(() => ch.close())
    const db =
      engines.db ?? (await createPostgres({ url: config.DATABASE_URL, dataDir: config.dataDir }))
    if (!engines.db) owned.push(() => db.close())
    const applied = [...(await migrateClickHouse(ch)), ...(await migratePostgres(db))]
    if (applied.length > 0) log.info({ applied }, 'migrations applied')
    const { createdKey } = await ensureAdminKey(db, config.ADMIN_API_KEY)
    // Printed, not logged: log lines are shipped and kept, and this is a secret.
    if (createdKey)
      process.stdout.write(
        `\nAn admin API key was created (shown once, keep it):\n\n  ${createdKey}\n\n`,
      )

    const deploymentId = await readDeploymentId(db)
    const catalogue = loadModuleCatalogue(config.modulesFile)
    const installed = await installBuiltinRules(db, loadBuiltinRules(catalogue.modules))
    if (installed.length > 0) log.info({ rules: installed }, 'built-in rules installed')
    const playbooks = await installBuiltinPlaybooks(db, loadBuiltinPlaybooks())
    if (playbooks.length > 0) log.info({ playbooks }, 'built-in playbooks installed')
    const metrics = createMetrics()
    await ensureWriteKey(db, config, log)
    const writeKeys = createWriteKeyStore(db)
    const ingest = createIngestService({
      ch,
      config,
      catalogue,
      writeKeys,
      metrics,
    })
    const runtime: Runtime = {
      config,
      log,
      ch,
      db,
      catalogue,
      metrics,
      ingest,
      deployment: {
        id: deploymentId,
        queuePrefix: queuePrefixOf(config.QUEUE_PREFIX, deploymentId),
      },
      async close() {
        await ingest.close()
        await closeOwned()
      },
    }
    // Only PGlite's initdb leaves garbage big enough to matter; a server Postgres or an
    // engine the caller opened leaves none of ours.
    if (!engines.db && db.kind === 'embedded') releaseStartUpMemory()
    return runtime
  } catch (error) {
    await closeOwned()
    throw error
  }
}

/** Redis and the BullMQ workers on top of a runtime; closed before it. */
export async function startJobs(
  runtime: Runtime,
  workerOptions: WorkerOptions = {},
): Promise<{ workers: Workers; redis: RedisHandle; close(): Promise<void> }> {
  const { config, log } = runtime
  const redis = await connectRedis({
    url: config.REDIS_URL,
    dataDir: config.dataDir,
    autoStart: config.REDIS_AUTOSTART,
    log,
  })
  try {
    const workers = await startWorkers(
      { ...runtime, redis: redis.redis, queuePrefix: runtime.deployment.queuePrefix },
      workerOptions,
    )
    return {
      workers,
      redis,
      async close() {
        await workers.close()
        await redis.close()
      },
    }
  } catch (error) {
    await redis.close()
    throw error
  }
}

/**
 * INGEST_WRITE_KEY is registered at every start (as an api_keys row with the role
 * `write`); with none configured and none stored, the first start makes one and prints
 * it once, since only its hash is kept.
 */
async function ensureWriteKey(db: Db, config: Config, log: Logger): Promise<void> {
  if (config.INGEST_WRITE_KEY) {
    await seedApiKey(db, { key: config.INGEST_WRITE_KEY, role: 'write', name: 'INGEST_WRITE_KEY' })
    return
  }
  const { rowCount } = await db.query(
    "SELECT 1 FROM api_keys WHERE role = 'write' AND revoked_at IS NULL LIMIT 1",
  )
  if (rowCount > 0) return
  const made = await createApiKey(db, { role: 'write', name: 'first start' })
  // Printed, not logged: log lines are shipped and kept, and this is a secret.
  process.stdout.write(
    `\nA write key was created for the tracking API (shown once, keep it):\n\n  ${made.key}\n\n`,
  )
  log.info('created the first write key')
}

/**
 * `serve`: the HTTP API, and unless told otherwise the workers in the same process (the
 * embedded engines bind their data to one process). `worker`: the workers alone.
 */
export async function startServer(
  config: Config,
  log: Logger,
  options: { http: boolean; workers: boolean },
) {
  const runtime = await startRuntime(config, log)
  let stopJobs: (() => Promise<void>) | undefined
  try {
    if (options.workers) {
      const jobs = await startJobs(runtime)
      stopJobs = jobs.close
      runtime.redisCheck = () => redisReadiness(jobs.redis.redis)
      runtime.enqueueEvaluate = evaluateNow(jobs.workers.queues.evaluate, runtime.db)
    } else if (options.http) {
      // An API without workers still queues evaluations for the workers elsewhere.
      const redis = await connectRedis({
        url: config.REDIS_URL,
        dataDir: config.dataDir,
        autoStart: config.REDIS_AUTOSTART,
        log,
      })
      const evaluate = createQueue('evaluate', {
        redis: redis.redis,
        prefix: runtime.deployment.queuePrefix,
      })
      runtime.redisCheck = () => redisReadiness(redis.redis)
      stopJobs = async () => {
        await evaluate.close()
        await redis.close()
      }
      runtime.enqueueEvaluate = evaluateNow(evaluate, runtime.db)
    }
  } catch (error) {
    await runtime.close()
    throw error
  }
  const app = options.http ? await buildApp(runtime) : undefined
  if (app) await app.listen({ host: config.HOST, port: config.PORT })
  return {
    async close() {
      // The order of a graceful stop: no new requests, then no new jobs (running ones
      // finish), then the commit queue drains, then the engines close.
      await app?.close()
      await stopJobs?.()
      await runtime.close()
    },
  }
}

/** Redis answers, and would never evict a queued job (DESIGN: Operations). */
export async function redisReadiness(redis: Redis): Promise<string> {
  try {
    const policy = await evictionPolicy(redis)
    return policy === 'noeviction'
      ? 'ok'
      : `failed: maxmemory-policy is ${policy}; queued jobs could be evicted (set noeviction)`
  } catch (error) {
    return `failed: ${(error as Error).message}`
  }
}
