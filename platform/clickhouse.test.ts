import { describe, expect, it } from 'vitest'
import { queryRows, useTestClickHouse } from '../test/clickhouse.js'

describe('the embedded ClickHouse', () => {
  it('runs background merges at a lower OS priority than queries and inserts', async () => {
    const ch = await useTestClickHouse()
    const [row] = await queryRows<{ value: string }>(
      ch,
      "SELECT value FROM system.server_settings WHERE name = 'os_threads_nice_value_merge_mutate'",
    )
    expect(row?.value).toBe('10')
  })
})
