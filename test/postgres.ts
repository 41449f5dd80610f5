import { afterAll } from 'vitest'
import { createTestDatabase } from '../crm/test-database.js'
import type { Db } from '../platform/postgres.js'

/**
 * A migrated CRM database of its own for the calling test file, dropped after it: a
 * `test_*` database on the Postgres server when the run has DATABASE_URL (as CI does),
 * else an embedded PGlite in a temporary directory.
 */
export async function useTestPostgres(): Promise<Db> {
  // Tests read DATABASE_URL themselves: they decide which engines they run against.
  const serverUrl = process.env.DATABASE_URL
  const database = await createTestDatabase(serverUrl ? 'server' : 'embedded', { serverUrl })
  afterAll(() => database.drop())
  return database.db
}
