import { beforeAll, describe, expect, it } from 'vitest'
import type { ClickHouse } from '../platform/clickhouse.js'
import { runCommand } from '../platform/clickhouse.js'
import type { Db } from '../platform/postgres.js'
import { basicAuth, buildTestApp } from '../test/app.js'
import { queryRows, useTestClickHouse } from '../test/clickhouse.js'
import { useTestPostgres } from '../test/postgres.js'

let ch: ClickHouse
let db: Db
beforeAll(async () => {
  ch = await useTestClickHouse()
  db = await useTestPostgres()
})

const count = async (tenant: string) =>
  Number(
    (
      await queryRows<{ n: string }>(
        ch,
        'SELECT count() AS n FROM {db:Identifier}.events FINAL WHERE tenant_id = {t:String}',
        { t: tenant },
      )
    )[0]!.n,
  )

const events = (tenant: string, n: number) => ({
  batch: Array.from({ length: n }, (_, i) => ({
    type: 'track',
    userId: `u${i}`,
    event: 'x',
    messageId: `${tenant}-${i}`,
    context: { groupId: tenant },
  })),
})

describe('when ClickHouse fails the insert', () => {
  it('answers 503 with Retry-After, acknowledges nothing, and a retry stores each event once', async () => {
    const { app } = await buildTestApp({ ch, db })
    const send = () =>
      app.inject({
        method: 'POST',
        url: '/v1/batch',
        headers: { authorization: basicAuth() },
        payload: events('down', 20),
      })
    // A real failure: the table the insert names is gone for a moment.
    await runCommand(ch, 'RENAME TABLE {db:Identifier}.events TO {db:Identifier}.events_away')
    try {
      const failed = await send()
      expect(failed.statusCode).toBe(503)
      expect(failed.headers['retry-after']).toBe('5')
      expect(failed.json().error.code).toBe('INGEST_STORE_UNAVAILABLE')
    } finally {
      await runCommand(ch, 'RENAME TABLE {db:Identifier}.events_away TO {db:Identifier}.events')
    }
    expect(await count('down')).toBe(0)
    const metrics = (await app.inject('/metrics')).body
    expect(metrics).toMatch(/tenantpulse_ingest_insert_seconds_count\{outcome="error"\} 1\b/)
    expect(metrics).toMatch(/tenantpulse_http_refused_total\{code="INGEST_STORE_UNAVAILABLE"\} 1\b/)

    expect((await send()).statusCode).toBe(200)
    expect(await count('down')).toBe(20)
  })
})

describe('when more events wait for ClickHouse than the queue holds', () => {
  it('answers 503 with Retry-After at once and stores what it acknowledged', async () => {
    const { app } = await buildTestApp(
      { ch, db },
      { INGEST_QUEUE_MAX_ROWS: '150', INGEST_FLUSH_MS: '50' },
    )
    const responses = await Promise.all(
      Array.from({ length: 4 }, (_, i) =>
        app.inject({
          method: 'POST',
          url: '/v1/batch',
          headers: { authorization: basicAuth() },
          payload: events(`full${i}`, 100),
        }),
      ),
    )
    const codes = responses.map((r) => r.statusCode)
    expect(codes.filter((c) => c === 200)).toHaveLength(1)
    expect(codes.filter((c) => c === 503)).toHaveLength(3)
    for (const r of responses.filter((r) => r.statusCode === 503)) {
      expect(r.headers['retry-after']).toBeDefined()
      expect(r.json().error.code).toBe('INGEST_OVERLOADED')
    }
    const stored = await Promise.all([0, 1, 2, 3].map((i) => count(`full${i}`)))
    expect(stored.map((n, i) => (codes[i] === 200 ? n === 100 : n === 0))).toEqual([
      true,
      true,
      true,
      true,
    ])
  })
})
