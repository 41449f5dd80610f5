import { beforeAll, describe, expect, it } from 'vitest'
import { runRollups } from '../jobs/fold-rollups.js'
import { type ClickHouse, runCommand } from '../platform/clickhouse.js'
import { migrateClickHouse } from '../platform/migrate-clickhouse.js'
import type { Db } from '../platform/postgres.js'
import { createTestIngest } from '../rules/test-ingest.js'
import { queryRows, useTestClickHouse } from '../test/clickhouse.js'
import { useTestPostgres } from '../test/postgres.js'

// Ingest commits `events` alone; the rollups job folds what was committed. What a user
// of the rollups checks: every committed event counted once, whatever was delivered
// twice, merged meanwhile, or folded twice.

const event = (user: string, day: string, n: number, module = 'analytics') => ({
  type: 'track',
  event: 'Report Exported',
  userId: user,
  messageId: `m-${user}-${day}-${n}-${module}`,
  timestamp: `${day}T10:0${n}:00Z`,
  context: { groupId: 't1' },
  properties: { module },
})

const figures = (ch: ClickHouse) =>
  queryRows<{ day: string; events: string; users: string; module_events: string }>(
    ch,
    `SELECT toString(d.day) AS day, d.events, a.users, m.module_events
     FROM (SELECT day, uniqExactArray(event_ids) AS events FROM {db:Identifier}.usage_daily
           WHERE tenant_id = 't1' GROUP BY day) AS d
     JOIN (SELECT day, uniqExact(user_key) AS users FROM {db:Identifier}.daily_active_users
           WHERE tenant_id = 't1' GROUP BY day) AS a ON a.day = d.day
     JOIN (SELECT day, uniqExactArray(event_ids) AS module_events FROM {db:Identifier}.module_daily
           WHERE tenant_id = 't1' GROUP BY day) AS m ON m.day = d.day
     ORDER BY day`,
  )

let db: Db
beforeAll(async () => {
  db = await useTestPostgres()
})

describe('when events are committed and the rollups job runs', () => {
  it('counts each event once, through redelivery, merges and a second run', async () => {
    const ch = await useTestClickHouse()
    const send = createTestIngest(ch, { foldRollups: false })
    const first = [event('u1', '2025-03-03', 1), event('u2', '2025-03-03', 2)]
    await send(first)
    // Committed, acknowledged, and not in the rollups until the job runs.
    expect(await figures(ch)).toEqual([])
    expect(await runRollups({ ch, db }, { maxRows: 1000 })).toMatchObject({ rows: 2, parts: 1 })
    expect(await figures(ch)).toEqual([
      { day: '2025-03-03', events: '2', users: '2', module_events: '2' },
    ])

    // A redelivered batch, then a merge of old and new parts, then more events.
    await send(first)
    await runCommand(ch, 'OPTIMIZE TABLE {db:Identifier}.events FINAL')
    await send([event('u3', '2025-03-04', 1), event('u1', '2025-03-04', 2, 'automation')])
    await runRollups({ ch, db }, { maxRows: 1000 })
    const expected = [
      { day: '2025-03-03', events: '2', users: '2', module_events: '2' },
      { day: '2025-03-04', events: '2', users: '2', module_events: '2' },
    ]
    expect(await figures(ch)).toEqual(expected)
    // A run with nothing new folds nothing and changes nothing.
    expect(await runRollups({ ch, db }, { maxRows: 1000 })).toMatchObject({
      rows: 0,
      lagSeconds: 0,
    })
    expect(await figures(ch)).toEqual(expected)
  })

  it('folds a backlog in chunks of the rows it is given', async () => {
    const ch = await useTestClickHouse()
    const send = createTestIngest(ch, { foldRollups: false })
    for (let n = 1; n <= 4; n++) await send([event(`u${n}`, '2025-03-05', n)])
    const run = await runRollups({ ch, db }, { maxRows: 1 })
    expect(run).toMatchObject({ rows: 4, parts: 4, pendingRows: 4 })
    expect(await figures(ch)).toEqual([
      { day: '2025-03-05', events: '4', users: '4', module_events: '4' },
    ])
  })
})

describe('when the rollups leave the ingest path on a database that holds events', () => {
  it('counts what the views folded before and what the job folds after, each once', async () => {
    const ch = await useTestClickHouse({ migrate: false })
    await migrateClickHouse(ch, { through: '0008_account_stages' })
    const send = createTestIngest(ch, { foldRollups: false })
    await send([event('u1', '2025-03-06', 1), event('u2', '2025-03-06', 2)])
    expect(await migrateClickHouse(ch, { through: '0009_rollups_off_ingest' })).toEqual([
      '0009_rollups_off_ingest',
    ])
    await send([event('u3', '2025-03-06', 3)])
    const run = await runRollups({ ch, db }, { maxRows: 1000 })
    // Only the part committed after the views were dropped.
    expect(run.rows).toBe(1)
    expect(await figures(ch)).toEqual([
      { day: '2025-03-06', events: '3', users: '3', module_events: '3' },
    ])
  })
})
