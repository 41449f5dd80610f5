import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { type AppDeps, buildApp } from '../api/app.js'
import { createIngestService } from '../ingest/ingest-service.js'
import { loadModuleCatalogue } from '../ingest/module-catalogue.js'
import { createWriteKeyStore, hashSecret } from '../ingest/write-keys.js'
import { type ClickHouse, createClickHouse } from '../platform/clickhouse.js'
import type { Config } from '../platform/config.js'
import type { Logger } from '../platform/logger.js'
import { createMetrics } from '../platform/metrics.js'
import { migrateClickHouse } from '../platform/migrate-clickhouse.js'

export interface Runtime extends AppDeps {
  close(): Promise<void>
}

/**
 * The composition root: engines, migrations, and the services built on them, in the
 * order they depend on each other. Closing goes the other way round.
 */
export async function startRuntime(
  config: Config,
  log: Logger,
  engines: { ch?: ClickHouse } = {},
): Promise<Runtime> {
  // Tests pass engines they share across apps; those are theirs to close.
  const ownsClickHouse = engines.ch === undefined
  const ch =
    engines.ch ??
    createClickHouse({
      url: config.CLICKHOUSE_URL,
      dataDir: config.dataDir,
      database: config.CLICKHOUSE_DATABASE,
    })
  try {
    const applied = await migrateClickHouse(ch)
    if (applied.length > 0) log.info({ applied }, 'clickhouse migrations applied')
    const metrics = createMetrics()
    const writeKeys = createWriteKeyStore(loadWriteKeyHashes(config, log))
    const ingest = createIngestService({
      ch,
      config,
      catalogue: loadModuleCatalogue(config.modulesFile),
      writeKeys,
      metrics,
    })
    return {
      config,
      log,
      ch,
      metrics,
      ingest,
      async close() {
        await ingest.close()
        if (ownsClickHouse) await ch.close()
      },
    }
  } catch (error) {
    if (ownsClickHouse) await ch.close()
    throw error
  }
}

/**
 * Write keys kept as hashes in DATA_DIR/write-keys.json. INGEST_WRITE_KEY is added at
 * every start; with none configured and none stored, the first start makes one and
 * prints it once, since only its hash is kept.
 */
function loadWriteKeyHashes(config: Config, log: Logger): Uint8Array[] {
  const file = path.join(config.dataDir, 'write-keys.json')
  const stored: string[] = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : []
  const hashes: Uint8Array[] = stored.map((hex) => Buffer.from(hex, 'hex'))
  if (config.INGEST_WRITE_KEY) hashes.push(hashSecret(config.INGEST_WRITE_KEY))
  else if (hashes.length === 0) {
    const key = `wk_${randomBytes(24).toString('base64url')}`
    const hash = hashSecret(key)
    mkdirSync(config.dataDir, { recursive: true })
    writeFileSync(file, JSON.stringify([Buffer.from(hash).toString('hex')]), { mode: 0o600 })
    hashes.push(hash)
    // Printed, not logged: log lines are shipped and kept, and this is a secret.
    process.stdout.write(
      `\nA write key was created for the tracking API (shown once, keep it):\n\n  ${key}\n\n`,
    )
    log.info('created the first write key; its hash is in write-keys.json')
  }
  return hashes
}

export async function startServer(config: Config, log: Logger) {
  const runtime = await startRuntime(config, log)
  const app = await buildApp(runtime)
  app.addHook('onClose', () => runtime.close())
  await app.listen({ host: config.HOST, port: config.PORT })
  return app
}
