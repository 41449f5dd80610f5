import { AsyncLocalStorage } from 'node:async_hooks'
import { mkdirSync } from 'node:fs'
import path from 'node:path'
import { PGlite, types } from '@electric-sql/pglite'
import pg from 'pg'
import { describeOwner, lockDirectory, type ReleaseLock } from './directory-lock.js'

/**
 * One data-access interface over plain SQL for both engines: PGlite in-process, or a
 * Postgres server through a pg.Pool. Values come back the same way from both:
 *
 * - int8 (bigint ids, count(*)) as decimal strings: ids are opaque and exact, and a
 *   count is read with Number(). pg does this by default; PGlite is told to.
 * - numeric (money) as strings, timestamptz as Date, jsonb parsed, arrays as arrays.
 * - jsonb parameters: pass JSON text (see jsonParam). pg would send a JS array as a
 *   Postgres array literal, which jsonb refuses.
 * - One statement per query() call: PGlite runs each on the extended protocol.
 */
export interface QueryResult<T> {
  rows: T[]
  rowCount: number
}

export interface Queryable {
  query<T = Record<string, unknown>>(
    sql: string,
    params?: readonly unknown[],
  ): Promise<QueryResult<T>>
}

export type Tx = Queryable

export interface Db extends Queryable {
  readonly kind: 'embedded' | 'server'
  /** Commits when fn resolves, rolls back when it throws. Use tx, never db, inside. */
  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T>
  close(): Promise<void>
}

export interface PostgresOptions {
  /** A Postgres server; unset means PGlite under `${dataDir}/postgres`. */
  url?: string | undefined
  dataDir: string
  /** Server only: pool size (default 10). */
  maxConnections?: number
  /** Server only: an idle pooled connection failed; the pool has dropped it already. */
  onIdleError?: (error: Error) => void
}

export class EmbeddedPostgresBusyError extends Error {
  override name = 'EmbeddedPostgresBusyError'
}

export const jsonParam = (value: unknown): string => JSON.stringify(value)

/**
 * A query's optional conditions and their $n parameters, built together so that a
 * value is only ever a parameter: `bind` a value where it goes, `and` a condition, and
 * put `sql` where the WHERE clause goes (nothing when there is no condition).
 */
export class Conditions {
  readonly params: unknown[] = []
  private readonly parts: string[] = []

  bind(value: unknown): string {
    this.params.push(value)
    return `$${this.params.length}`
  }

  and(condition: string): void {
    this.parts.push(condition)
  }

  get sql(): string {
    return this.parts.length ? `WHERE ${this.parts.join(' AND ')}` : ''
  }
}

/** The one place that decides which Postgres the process talks to. */
export async function createPostgres(options: PostgresOptions): Promise<Db> {
  return options.url ? createServerDb(options.url, options) : createEmbeddedDb(options.dataDir)
}

// A query on the Db itself from inside one of its transactions is a bug: on PGlite it
// waits for the transaction that waits for it (a deadlock), on a server it runs outside
// the transaction. Both engines refuse it, so the bug shows in every test run.
const openTransactions = new AsyncLocalStorage<ReadonlySet<object>>()

function refuseInsideTransaction(owner: object): void {
  if (openTransactions.getStore()?.has(owner)) {
    throw new Error('db.query() called inside db.transaction(); use the tx it was given')
  }
}

function runInTransactionScope<T>(owner: object, fn: () => Promise<T>): Promise<T> {
  const open = new Set(openTransactions.getStore() ?? [])
  open.add(owner)
  return openTransactions.run(open, fn)
}

function guardedTx(query: Queryable['query']): { tx: Tx; end: () => void } {
  let ended = false
  const tx: Tx = {
    query: (sql, params) => {
      if (ended) return Promise.reject(new Error('query on a finished transaction'))
      return query(sql, params)
    },
  }
  const end = () => {
    ended = true
  }
  return { tx, end }
}

function createServerDb(url: string, options: PostgresOptions): Db {
  const pool = new pg.Pool({ connectionString: url, max: options.maxConnections ?? 10 })
  // Without a listener an idle connection's error (a server restart) kills the process.
  pool.on('error', (error) => options.onIdleError?.(error))
  const db: Db = {
    kind: 'server',
    async query<T>(sql: string, params?: readonly unknown[]) {
      refuseInsideTransaction(db)
      const result = await pool.query(sql, params as unknown[] | undefined)
      return { rows: result.rows as T[], rowCount: result.rowCount ?? 0 }
    },
    async transaction(fn) {
      refuseInsideTransaction(db)
      const client = await pool.connect()
      const { tx, end } = guardedTx(async <T>(sql: string, params?: readonly unknown[]) => {
        const result = await client.query(sql, params as unknown[] | undefined)
        return { rows: result.rows as T[], rowCount: result.rowCount ?? 0 }
      })
      try {
        await client.query('BEGIN')
        const value = await runInTransactionScope(db, () => fn(tx))
        end()
        await client.query('COMMIT')
        client.release()
        return value
      } catch (error) {
        end()
        try {
          await client.query('ROLLBACK')
          client.release()
        } catch (rollbackError) {
          // A connection that cannot roll back is broken: destroy it, not reuse it.
          client.release(rollbackError as Error)
        }
        throw error
      }
    },
    close: () => pool.end(),
  }
  return db
}

async function createEmbeddedDb(dataDir: string): Promise<Db> {
  const dir = path.join(dataDir, 'postgres')
  // The lock is named for the directory's real path, so it must exist first; PGlite
  // initialises an empty one as it would a missing one.
  mkdirSync(dir, { recursive: true })
  const release = await lockEmbeddedDirectory(path.join(dataDir, 'postgres.pid'), dir)
  let lite: PGlite
  try {
    lite = await PGlite.create(dir, { parsers: { [types.INT8]: (value: string) => value } })
  } catch (error) {
    await release()
    throw error
  }
  const run = async <T>(
    target: Pick<PGlite, 'query'>,
    sql: string,
    params?: readonly unknown[],
  ): Promise<QueryResult<T>> => {
    const result = await target.query<T>(sql, params as unknown[] | undefined)
    return { rows: result.rows, rowCount: result.rowCount ?? result.affectedRows ?? 0 }
  }
  const db: Db = {
    kind: 'embedded',
    query(sql, params) {
      refuseInsideTransaction(db)
      return run(lite, sql, params)
    },
    // PGlite is one connection. Its transaction() holds the mutex that every query()
    // takes, so other callers' statements wait instead of landing inside this one.
    transaction(fn) {
      refuseInsideTransaction(db)
      return lite.transaction(async (liteTx) => {
        const { tx, end } = guardedTx((sql, params) => run(liteTx, sql, params))
        try {
          return await runInTransactionScope(db, () => fn(tx))
        } finally {
          end()
        }
      })
    },
    async close() {
      try {
        await lite.close()
      } finally {
        await release()
      }
    },
  }
  return db
}

/**
 * PGlite does not guard its directory: a second instance, in this process or another,
 * would corrupt it. Embedded mode shares one Db per process.
 */
function lockEmbeddedDirectory(ownerFile: string, dir: string): Promise<ReleaseLock> {
  return lockDirectory(dir, {
    shared: false,
    ownerFile,
    busy: (owner) =>
      new EmbeddedPostgresBusyError(
        `the embedded Postgres in ${dir} is in use by ${describeOwner(owner)}. ` +
          'Embedded mode shares one database handle per process; stop the other one, ' +
          'use another DATA_DIR, or set DATABASE_URL to share a Postgres server.',
      ),
  })
}
