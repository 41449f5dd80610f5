import { randomBytes } from 'node:crypto'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll } from 'vitest'
import { foldPending, foldStart } from '../ingest/fold-rollups.js'
import { type ClickHouse, createClickHouse, queryRows, runCommand } from '../platform/clickhouse.js'
import { migrateClickHouse } from '../platform/migrate-clickhouse.js'

/** One embedded data directory per test process, as chDB binds one per process. */
export const testDataDir = path.join(tmpdir(), `tenantpulse-test-${process.pid}`)

/**
 * A migrated ClickHouse database of its own for the calling test file, dropped after
 * the file. It refuses any database whose name does not start with `test_`.
 */
export async function useTestClickHouse(options: { migrate?: boolean } = {}): Promise<ClickHouse> {
  const database = `test_${randomBytes(6).toString('hex')}`
  const ch = await createClickHouse({ dataDir: testDataDir, database })
  if (!ch.database.startsWith('test_')) throw new Error(`refusing to use ${ch.database} in a test`)
  if (options.migrate !== false) await migrateClickHouse(ch)
  afterAll(async () => {
    await runCommand(ch, 'DROP DATABASE IF EXISTS {db:Identifier} SYNC').catch(() => {})
    await ch.close()
  })
  return ch
}

export { queryRows }

/**
 * Polls until `read` returns a value `done` accepts, for reads that settle later; fails
 * with the last value read when it does not settle in time, so no test passes on a wait
 * that never ended.
 */
export async function eventually<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  ms = 5000,
): Promise<T> {
  const until = Date.now() + ms
  for (;;) {
    const value = await read()
    if (done(value)) return value
    if (Date.now() > until)
      throw new Error(`still not settled after ${ms} ms: ${JSON.stringify(value)}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/**
 * What the rollups job does every second (jobs/fold-rollups.ts), done now: everything
 * committed to `events` folded into the rollups, for a test that reads them.
 */
export async function foldCommitted(ch: ClickHouse): Promise<void> {
  await foldPending(ch, { after: await foldStart(ch), maxRows: 2_000_000 })
}
