import { createHash } from 'node:crypto'
import { type ClickHouse, queryRows, runCommand } from './clickhouse.js'
import { readMigrations } from './sql.js'

export class MigrationError extends Error {
  override name = 'MigrationError'
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex')

/**
 * Applies sql/clickhouse/NNNN_*.sql in order and records each one.
 *
 * ClickHouse has no transactions or locks for DDL, so safety against a second runner
 * comes from the statements themselves: every one is idempotent (IF NOT EXISTS, or an
 * INSERT into a table whose engine merges copies away), and the record table collapses
 * duplicate rows. Two runners racing both succeed.
 */
export async function migrateClickHouse(
  ch: ClickHouse,
  options: { through?: string } = {},
): Promise<string[]> {
  await runCommand(ch, 'CREATE DATABASE IF NOT EXISTS {db:Identifier}')
  await runCommand(
    ch,
    `CREATE TABLE IF NOT EXISTS {db:Identifier}.schema_migrations (
       version String, checksum String, applied_at DateTime64(3, 'UTC') DEFAULT now64(3)
     ) ENGINE = ReplacingMergeTree ORDER BY version`,
  )
  const applied = new Map(
    (
      await queryRows<{ version: string; checksum: string }>(
        ch,
        'SELECT version, argMax(checksum, applied_at) AS checksum FROM {db:Identifier}.schema_migrations GROUP BY version',
      )
    ).map((row) => [row.version, row.checksum]),
  )
  const done: string[] = []
  for (const migration of readMigrations('clickhouse', sha256)) {
    // Tests stop early to put data in front of a later migration.
    if (options.through !== undefined && migration.version > options.through) break
    const previous = applied.get(migration.version)
    if (previous !== undefined) {
      if (previous !== migration.checksum) {
        throw new MigrationError(
          `migration ${migration.version} was changed after it was applied; add a new migration instead`,
        )
      }
      continue
    }
    for (const statement of migration.statements) await runCommand(ch, statement)
    await ch.client.insert({
      table: `${ch.database}.schema_migrations`,
      values: [{ version: migration.version, checksum: migration.checksum }],
      format: 'JSONEachRow',
    })
    done.push(migration.version)
  }
  return done
}
