import { mkdirSync } from 'node:fs'
import path from 'node:path'
import { Readable } from 'node:stream'
import { type ClickHouseClient, createClient } from '@clickhouse/client'
import { Session } from 'chdb'
import { createChdbConnection } from 'chdb/connection'
import { describeOwner, lockDirectory, type ReleaseLock } from './directory-lock.js'

export type { ClickHouseClient }

export interface ClickHouse {
  readonly client: ClickHouseClient
  /** The database every query names as {db:Identifier}. */
  readonly database: string
  readonly kind: 'embedded' | 'server'
  /**
   * Inserts rows that are already text in `format`. Same rows, same settings as
   * client.insert; the embedded engine reads the bytes where they lie, on a connection
   * that no query holds up (see below).
   */
  insertEncoded(insert: EncodedInsert): Promise<void>
  close(): Promise<void>
}

export interface EncodedInsert {
  /** Database-qualified. */
  table: string
  columns: readonly [string, ...string[]]
  format: 'TabSeparated' | 'JSONEachRow'
  body: Buffer
  settings: Record<string, string | number>
}

// Both engines answer alike: 64-bit integers as strings (a JS number would round them),
// and our own group commit is the only insert buffering.
const clickhouseSettings = { async_insert: 0, output_format_json_quote_64bit_integers: 1 } as const

export interface ClickHouseOptions {
  /** A ClickHouse server; unset means the embedded engine under dataDir. */
  url?: string | undefined
  dataDir: string
  database: string
}

/** The one place that decides which ClickHouse the process talks to. */
export async function createClickHouse(options: ClickHouseOptions): Promise<ClickHouse> {
  if (options.url) {
    const client = createClient({
      url: options.url,
      clickhouse_settings: clickhouseSettings,
      request_timeout: 60_000,
    })
    return {
      client,
      database: options.database,
      kind: 'server',
      async insertEncoded(insert) {
        await client.insert({
          table: insert.table,
          columns: [...insert.columns] as [string, ...string[]],
          values: Readable.from([insert.body], { objectMode: false }),
          format: insert.format,
          clickhouse_settings: insert.settings,
        })
      },
      close: () => client.close(),
    }
  }
  const dir = path.join(options.dataDir, 'clickhouse')
  mkdirSync(dir, { recursive: true })
  const releaseLock = await lockEmbeddedDirectory(dir)
  // The first connection to a directory starts the engine and fixes its server
  // settings; the connections below join it. Background merges run at a lower OS
  // priority: on two cores a merge of the parts ingest keeps committing otherwise takes
  // a core from the event loop and the inserts that requests wait on. bench:ingest at
  // 60 % load, three runs each, p99: 103, 215, 261 ms as the engine starts by default,
  // 74, 115, 178 ms so. Merges still get every core left idle.
  const engine = new Session(dir, {
    connectionArgs: ['--os_threads_nice_value_merge_mutate=10'],
  })
  const chdb = createChdbConnection({ path: dir })
  // Inserts get a connection of their own. A chDB connection runs one statement at a
  // time, so on a shared one an insert waits for whatever query runs before it: a
  // rollups fold, an evaluation, a dashboard read (a one-row insert behind a 300 ms
  // query took 278 ms). Connections to one directory share the engine and its data and
  // run in parallel.
  const writer = createChdbConnection({ path: dir })
  // chdb declares the Connection type from its own copy of @clickhouse/client-common;
  // the shapes are the same, the declarations are not.
  const connection = chdb as unknown as NonNullable<
    Parameters<typeof createClient>[0]
  >['connection']
  const client = createClient({ connection, clickhouse_settings: clickhouseSettings })
  return {
    client,
    database: options.database,
    kind: 'embedded',
    // client.insert through chDB joins the statement and the body into one JS string,
    // which the engine then copies out of the V8 heap on the event loop: at 10,000 rows a
    // batch that was a third of ingest's insert cost (bench:ingest). The raw insert hands
    // the Buffer to the engine as it is.
    async insertEncoded(insert) {
      await writer.chdb.rawInsert({
        table: insert.table,
        columns: insert.columns,
        format: insert.format,
        values: insert.body,
        settings: insert.settings,
      })
    },
    async close() {
      try {
        await writer.close()
        await client.close()
      } finally {
        // The engine goes before the lock that keeps a second process off its directory.
        try {
          engine.close()
        } finally {
          await releaseLock()
        }
      }
    },
  }
}

export class EmbeddedDirectoryBusyError extends Error {
  override name = 'EmbeddedDirectoryBusyError'
}

/**
 * chDB binds one data directory per process. Its own flock refuses a second process
 * with an engine error that names neither the holder nor what to do; this lock comes
 * first and does both. Connections within one process share it.
 */
function lockEmbeddedDirectory(dir: string): Promise<ReleaseLock> {
  return lockDirectory(dir, {
    shared: true,
    ownerFile: path.join(dir, 'tenantpulse.pid'),
    busy: (owner) =>
      new EmbeddedDirectoryBusyError(
        `the embedded ClickHouse in ${dir} is in use by ${describeOwner(owner)}. ` +
          'Embedded mode runs API and workers in one process; stop the other one, ' +
          'use another DATA_DIR, or set CLICKHOUSE_URL to share a ClickHouse server.',
      ),
  })
}

/** Runs a query and returns its rows as objects. */
export async function queryRows<T>(
  ch: ClickHouse,
  query: string,
  params: Record<string, unknown> = {},
): Promise<T[]> {
  const result = await ch.client.query({
    query,
    format: 'JSONEachRow',
    query_params: { db: ch.database, ...params },
  })
  return result.json<T>()
}

export async function runCommand(
  ch: ClickHouse,
  query: string,
  params: Record<string, unknown> = {},
  settings: Record<string, string | number> = {},
): Promise<void> {
  await ch.client.command({
    query,
    query_params: { db: ch.database, ...params },
    clickhouse_settings: settings,
  })
}
