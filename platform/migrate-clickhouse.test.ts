import { describe, expect, it } from 'vitest'
import { queryRows, useTestClickHouse } from '../test/clickhouse.js'
import { runCommand } from './clickhouse.js'
import { MigrationError, migrateClickHouse } from './migrate-clickhouse.js'
import { readMigrations } from './sql.js'

const all = readMigrations('clickhouse', (t) => t).map((m) => m.version)

describe('when the migrations run on an empty database', () => {
  it('applies every file in order, then nothing on a second run', async () => {
    const ch = await useTestClickHouse({ migrate: false })
    expect(await migrateClickHouse(ch)).toEqual(all)
    expect(await migrateClickHouse(ch)).toEqual([])
    const tables = await queryRows<{ name: string }>(
      ch,
      'SELECT name FROM system.tables WHERE database = {db:String} ORDER BY name',
    )
    expect(tables.map((t) => t.name)).toEqual(
      expect.arrayContaining([
        'events',
        'rejected_events',
        'usage_daily',
        'usage_daily_mv',
        'tenant_traits',
        'user_groups',
        'user_traits',
      ]),
    )
  })
})

describe('when two runners start at once', () => {
  it('both succeed and leave one record per migration', async () => {
    const ch = await useTestClickHouse({ migrate: false })
    await Promise.all([migrateClickHouse(ch), migrateClickHouse(ch)])
    const rows = await queryRows<{ version: string }>(
      ch,
      'SELECT DISTINCT version FROM {db:Identifier}.schema_migrations ORDER BY version',
    )
    expect(rows.map((r) => r.version)).toEqual(all)
  })
})

describe('when an applied migration was edited', () => {
  it('refuses to go on and says which one', async () => {
    const ch = await useTestClickHouse()
    await runCommand(
      ch,
      "INSERT INTO {db:Identifier}.schema_migrations (version, checksum, applied_at) VALUES ({v:String}, 'stale', now64(3) + 1)",
      { v: all[0] },
    )
    await runCommand(ch, 'OPTIMIZE TABLE {db:Identifier}.schema_migrations FINAL')
    await expect(migrateClickHouse(ch)).rejects.toThrow(MigrationError)
    await expect(migrateClickHouse(ch)).rejects.toThrow(all[0]!)
  })
})

describe('when a migration statement is written', () => {
  it('is idempotent, so that a second runner can repeat it', () => {
    for (const migration of readMigrations('clickhouse', (t) => t)) {
      for (const statement of migration.statements)
        expect(statement).toMatch(/^CREATE (TABLE|MATERIALIZED VIEW|DATABASE) IF NOT EXISTS /)
    }
  })
})
