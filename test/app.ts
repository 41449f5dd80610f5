import type { FastifyInstance } from 'fastify'
import { onTestFinished } from 'vitest'
import { buildApp } from '../api/app.js'
import { type Runtime, startRuntime } from '../cli/runtime.js'
import type { ClickHouse } from '../platform/clickhouse.js'
import { loadConfig } from '../platform/config.js'
import { createLogger } from '../platform/logger.js'
import type { Db } from '../platform/postgres.js'
import { testDataDir } from './clickhouse.js'

export const writeKey = 'wk_test_0123456789'

export interface TestApp {
  app: FastifyInstance
  runtime: Runtime
}

/** The real app on the file's ClickHouse database, closed when the test ends. */
export interface TestEngines {
  ch: ClickHouse
  db: Db
}

export async function buildTestApp(
  engines: TestEngines,
  env: Record<string, string> = {},
): Promise<TestApp> {
  const { ch } = engines
  const config = loadConfig({
    DATA_DIR: testDataDir,
    CLICKHOUSE_DATABASE: ch.database,
    INGEST_WRITE_KEY: writeKey,
    // Set, so that start-up seeds it instead of printing a fresh admin key per test.
    ADMIN_API_KEY: 'tpk_test_admin_key_seeded',
    LOG_LEVEL: 'silent',
    ...env,
  })
  const runtime = await startRuntime(config, createLogger(config.LOG_LEVEL), engines)
  const app = await buildApp(runtime)
  app.addHook('onClose', () => runtime.close())
  onTestFinished(() => app.close())
  return { app, runtime }
}

export const basicAuth = (key = writeKey) => `Basic ${Buffer.from(`${key}:`).toString('base64')}`
