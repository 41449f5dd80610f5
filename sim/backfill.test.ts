import { beforeAll, describe, expect, it } from 'vitest'
import { type ClickHouse, runCommand } from '../platform/clickhouse.js'
import { queryRows, useTestClickHouse } from '../test/clickhouse.js'
import { backfill } from './backfill.js'
import { allEvents, eventsDigest, limits, testSpec } from './sim-test-support.js'
import { buildWorld } from './simulation-spec.js'

let first: ClickHouse
let second: ClickHouse
let other: ClickHouse
let broken: ClickHouse
beforeAll(async () => {
  ;[first, second, other, broken] = await Promise.all([
    useTestClickHouse(),
    useTestClickHouse(),
    useTestClickHouse(),
    useTestClickHouse(),
  ])
})

describe('when the same seed is backfilled twice', () => {
  it('writes the same rows, byte for byte, each event once', async () => {
    const spec = testSpec()
    // Small inserts and two workers: the split of the work must not show in the rows.
    const a = await backfill({ ch: first, spec, limits, batchRows: 100, workers: 2 })
    const b = await backfill({ ch: second, spec, limits, workers: 1 })
    expect(a.inserts).toBeGreaterThan(b.inserts)
    const expected = allEvents(buildWorld(spec)).length
    expect(a).toMatchObject({ events: expected, rows: expected, rejected: 0 })
    const [da, db] = await Promise.all([eventsDigest(first), eventsDigest(second)])
    expect(da.rows).toBe(expected)
    expect(da).toEqual(db)
  })
})

describe('when another seed is backfilled', () => {
  it('writes other rows', async () => {
    await backfill({ ch: other, spec: testSpec({ seed: 'another' }), limits })
    expect((await eventsDigest(other)).sha256).not.toBe((await eventsDigest(first)).sha256)
  })
})

describe('when backfilled rows are read', () => {
  it('carry the receive time of their day and the backfill as their source', async () => {
    const rows = await queryRows<{ day: string; received: string; keys: string[] }>(
      first,
      `SELECT toString(toDate(timestamp)) AS day, toString(max(received_at)) AS received,
              groupUniqArray(write_key_id) AS keys
       FROM {db:Identifier}.events GROUP BY day ORDER BY day`,
    )
    expect(rows).toEqual([
      { day: '2025-03-03', received: '2025-03-03 23:59:59.999', keys: ['sim-backfill'] },
      { day: '2025-03-04', received: '2025-03-04 23:59:59.999', keys: ['sim-backfill'] },
      { day: '2025-03-05', received: '2025-03-05 23:59:59.999', keys: ['sim-backfill'] },
    ])
  })
})

describe('when ClickHouse fails an insert', () => {
  it('stops the backfill with the engine error instead of hanging or going on', async () => {
    await runCommand(broken, 'DROP TABLE {db:Identifier}.events')
    const failed = backfill({ ch: broken, spec: testSpec(), limits, batchRows: 100, workers: 2 })
    await expect(failed).rejects.toThrow(/events/)
  })
})
