import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { createPostgres, type Db } from '../platform/postgres.js'
import { migratePostgres } from './migrate.js'

/**
 * Test support: a database of its own for each test file (or test), on PGlite always
 * and on the Postgres server when the test run has DATABASE_URL.
 */
export type Engine = 'embedded' | 'server'

export function availableEngines(serverUrl: string | undefined): Engine[] {
  return serverUrl ? ['embedded', 'server'] : ['embedded']
}

export interface TestDatabase {
  readonly engine: Engine
  readonly db: Db
  /** Another connection pool to the same database; server only (PGlite is one connection). */
  connect(): Promise<Db>
  /** Closes every connection and removes the database. */
  drop(): Promise<void>
}

function refuseNonTestDatabase(name: string): void {
  if (!name.includes('test')) {
    throw new Error(`refusing to use database "${name}" in tests: its name must contain "test"`)
  }
}

export async function createTestDatabase(
  engine: Engine,
  options: { serverUrl?: string | undefined; migrate?: boolean } = {},
): Promise<TestDatabase> {
  const migrate = options.migrate ?? true
  if (engine === 'embedded') {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'tenantpulse-test-crm-'))
    const db = await createPostgres({ dataDir })
    if (migrate) await migratePostgres(db)
    return {
      engine,
      db,
      connect: () => Promise.reject(new Error('PGlite has a single connection')),
      async drop() {
        await db.close()
        await rm(dataDir, { recursive: true, force: true })
      },
    }
  }
  if (!options.serverUrl) throw new Error('the server engine needs DATABASE_URL')
  const adminUrl = new URL(options.serverUrl)
  refuseNonTestDatabase(decodeURIComponent(adminUrl.pathname.slice(1)))
  const name = `test_crm_${randomBytes(6).toString('hex')}`
  refuseNonTestDatabase(name)
  const admin = await createPostgres({ url: adminUrl.href, dataDir: tmpdir() })
  await admin.query(`CREATE DATABASE ${name}`)
  const url = new URL(adminUrl.href)
  url.pathname = `/${name}`
  const pools: Db[] = []
  const connect = async () => {
    const db = await createPostgres({ url: url.href, dataDir: tmpdir() })
    pools.push(db)
    return db
  }
  const db = await connect()
  if (migrate) await migratePostgres(db)
  return {
    engine,
    db,
    connect,
    async drop() {
      await Promise.all(pools.map((pool) => pool.close()))
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      await admin.close()
    },
  }
}
