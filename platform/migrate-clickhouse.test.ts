import { describe, expect, it } from 'vitest'
import { createTestIngest } from '../rules/test-ingest.js'
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
        'daily_active_users',
        'module_daily',
        'module_daily_mv',
        'health_scores',
        'tenant_traits',
        'user_groups',
        'user_traits',
        'rollup_start',
        'account_stages',
        'events_feed',
        'lifecycle_events_feed_mv',
      ]),
    )
    // The views of rare events read events_feed, not every insert into events (0011).
    expect(tables.map((t) => t.name)).not.toContain('lifecycle_events_mv')
    // The rollups are folded by the rollups job, off the acknowledgement path (0009).
    expect(tables.map((t) => t.name)).not.toContain('usage_daily_mv')
    expect(tables.map((t) => t.name)).not.toContain('daily_active_users_mv')
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
    const statements = readMigrations('clickhouse', (t) => t).flatMap((m) => m.statements)
    const engineOf = (table: string) =>
      statements
        .find((s) => s.startsWith(`CREATE TABLE IF NOT EXISTS {db:Identifier}.${table}\n`))
        ?.match(/ENGINE = (\w+)/)?.[1]
    for (const statement of statements) {
      const insert = statement.match(/^INSERT INTO \{db:Identifier\}\.(\w+)\s/)
      // A repeated INSERT is harmless only where the engine merges the copies away.
      if (insert !== null)
        expect(engineOf(insert[1]!)).toMatch(/^(Replacing|Aggregating)MergeTree$/)
      else if (statement.startsWith('ALTER'))
        // Adding a column that may exist, setting a view's query or a table's setting again.
        expect(statement).toMatch(
          /^ALTER TABLE \S+\s+(ADD COLUMN IF NOT EXISTS|MODIFY QUERY|MODIFY SETTING)\s/,
        )
      else if (statement.startsWith('DROP')) expect(statement).toMatch(/^DROP VIEW IF EXISTS /)
      else expect(statement).toMatch(/^CREATE (TABLE|MATERIALIZED VIEW|DATABASE) IF NOT EXISTS /)
    }
  })
})

const event = (user: string, day: string, n: number) => ({
  type: 'track',
  event: 'Report Exported',
  userId: user,
  messageId: `m-${user}-${day}-${n}`,
  timestamp: `${day}T10:0${n}:00Z`,
  context: { groupId: 't1' },
  properties: { module: 'analytics' },
})

const backfillOf = (version: string) =>
  readMigrations('clickhouse', (t) => t)
    .find((m) => m.version === version)!
    .statements.filter((s) => s.startsWith('INSERT'))

describe('when daily_active_users arrives on a database that already holds events', () => {
  it('fills it from the rollup, once however often it runs, and the view takes over', async () => {
    const ch = await useTestClickHouse({ migrate: false })
    await migrateClickHouse(ch, { through: '0003_usage_daily' })
    const send = createTestIngest(ch, { foldRollups: false })
    await send([
      event('u1', '2025-03-03', 1),
      event('u1', '2025-03-03', 2),
      event('u2', '2025-03-04', 1),
    ])
    const days = () =>
      queryRows<{ day: string; users: string }>(
        ch,
        `SELECT toString(day) AS day, uniqExact(user_key) AS users
         FROM {db:Identifier}.daily_active_users WHERE tenant_id = 't1' GROUP BY day ORDER BY day`,
      )

    expect(await migrateClickHouse(ch, { through: '0004_daily_active_users' })).toEqual([
      '0004_daily_active_users',
    ])
    const backfilled = [
      { day: '2025-03-03', users: '1' },
      { day: '2025-03-04', users: '1' },
    ]
    expect(await days()).toEqual(backfilled)

    for (const statement of backfillOf('0004_daily_active_users')) await runCommand(ch, statement)
    expect(await days()).toEqual(backfilled)

    await send([event('u3', '2025-03-04', 2)])
    expect(await days()).toEqual([backfilled[0], { day: '2025-03-04', users: '2' }])
  })
})

describe('when usage_daily trades its bitmaps for event_ids on a database with events', () => {
  it('counts the events stored before and after, each once, however often it runs', async () => {
    const ch = await useTestClickHouse({ migrate: false })
    await migrateClickHouse(ch, { through: '0004_daily_active_users' })
    const send = createTestIngest(ch, { foldRollups: false })
    const before = [event('u1', '2025-03-03', 1), event('u1', '2025-03-03', 2)]
    await send([...before, event('u2', '2025-03-04', 1)])
    const counts = () =>
      queryRows<{ day: string; events: string }>(
        ch,
        `SELECT toString(day) AS day, uniqExactArray(event_ids) AS events
         FROM {db:Identifier}.usage_daily WHERE tenant_id = 't1' GROUP BY day ORDER BY day`,
      )

    expect(await migrateClickHouse(ch, { through: '0005_usage_event_ids' })).toEqual([
      '0005_usage_event_ids',
    ])
    expect(await counts()).toEqual([
      { day: '2025-03-03', events: '2' },
      { day: '2025-03-04', events: '1' },
    ])

    for (const statement of backfillOf('0005_usage_event_ids')) await runCommand(ch, statement)
    await send([...before, event('u2', '2025-03-04', 2)])
    expect(await counts()).toEqual([
      { day: '2025-03-03', events: '2' },
      { day: '2025-03-04', events: '2' },
    ])
  })
})

describe('when module_daily arrives on a database with events', () => {
  it('holds the events of usage_daily per module and kind, and the view keeps it filled', async () => {
    const ch = await useTestClickHouse({ migrate: false })
    await migrateClickHouse(ch, { through: '0005_usage_event_ids' })
    const send = createTestIngest(ch, { foldRollups: false })
    await send([event('u1', '2025-03-03', 1), event('u2', '2025-03-03', 2)])
    const counts = () =>
      queryRows<{ day: string; module: string; events: string }>(
        ch,
        `SELECT toString(day) AS day, module, uniqExactArray(event_ids) AS events
         FROM {db:Identifier}.module_daily WHERE tenant_id = 't1' GROUP BY day, module ORDER BY day`,
      )

    expect(await migrateClickHouse(ch, { through: '0006_module_daily' })).toEqual([
      '0006_module_daily',
    ])
    expect(await counts()).toEqual([{ day: '2025-03-03', module: 'analytics', events: '2' }])

    for (const statement of backfillOf('0006_module_daily')) await runCommand(ch, statement)
    await send([event('u1', '2025-03-03', 1), event('u1', '2025-03-04', 1)])
    expect(await counts()).toEqual([
      { day: '2025-03-03', module: 'analytics', events: '2' },
      { day: '2025-03-04', module: 'analytics', events: '1' },
    ])
  })
})
