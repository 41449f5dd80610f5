import type { FastifyInstance } from 'fastify'
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import { runRollups } from '../jobs/fold-rollups.js'
import type { ClickHouse } from '../platform/clickhouse.js'
import { runCommand } from '../platform/clickhouse.js'
import type { Db } from '../platform/postgres.js'
import { buildTestApp, writeKey } from '../test/app.js'
import { queryRows, useTestClickHouse } from '../test/clickhouse.js'
import { useTestPostgres } from '../test/postgres.js'
import { backfill } from './backfill.js'
import { allEvents, limits, testSpec } from './sim-test-support.js'
import { buildWorld } from './simulation-spec.js'
import { streamWorld } from './stream.js'
import { createTrackingClient, StreamError } from './tracking-client.js'

let streamed: ClickHouse
let backfilled: ClickHouse
let retried: ClickHouse
// The app needs the CRM store too; the stream only ever touches the tracking API.
let db: Db
beforeAll(async () => {
  ;[streamed, backfilled, retried, db] = await Promise.all([
    useTestClickHouse(),
    useTestClickHouse(),
    useTestClickHouse(),
    useTestPostgres(),
  ])
})

/** The real app on a port, as an SDK reaches it. */
async function listen(app: FastifyInstance): Promise<string> {
  return app.listen({ host: '127.0.0.1', port: 0 })
}

function clientFor(url: string, key = writeKey) {
  const client = createTrackingClient({ url, writeKey: key, maxSockets: 4 })
  onTestFinished(() => client.close())
  return client
}

// What ingest decided about each event; received_at and write_key_id say when and by
// which key it came, which is where a backfill and a stream differ by design.
const storedRows = (ch: ClickHouse) =>
  queryRows<Record<string, string>>(
    ch,
    `SELECT * EXCEPT (received_at, write_key_id) FROM {db:Identifier}.events FINAL
     ORDER BY tenant_id, timestamp, message_id`,
  )

const dailyUsage = (ch: ClickHouse) =>
  queryRows<Record<string, string>>(
    ch,
    `SELECT tenant_id, day, module, kind, user_id, uniqExactArray(event_ids) AS events,
            min(first_seen) AS first_seen, max(last_seen) AS last_seen
     FROM {db:Identifier}.usage_daily
     GROUP BY tenant_id, day, module, kind, user_id ORDER BY tenant_id, day, module, kind, user_id`,
  )

describe('when the same world is streamed through the API and backfilled', () => {
  it('stores the same rows and the same daily usage either way', async () => {
    const spec = testSpec({ seed: 'stream-vs-backfill' })
    const world = buildWorld(spec)
    const { app } = await buildTestApp({ ch: streamed, db })
    const url = await listen(app)
    const sent = await streamWorld({
      world,
      client: clientFor(url),
      concurrency: 4,
      maxBatchEvents: 120,
    })
    const expected = allEvents(world).length
    expect(sent).toMatchObject({ events: expected, rejected: 0, retries: 0 })
    expect(sent.requests).toBeGreaterThan(expected / 120)
    await backfill({ ch: backfilled, spec, limits })

    const [viaApi, direct] = await Promise.all([storedRows(streamed), storedRows(backfilled)])
    expect(viaApi).toHaveLength(expected)
    expect(viaApi).toEqual(direct)
    // The stream's rollups come from the rollups job; the backfill folds its own.
    await runRollups({ ch: streamed, db }, { maxRows: 1_000_000 })
    expect(await dailyUsage(streamed)).toEqual(await dailyUsage(backfilled))
  })
})

describe('when the API answers 503 for a while', () => {
  it('retries the same events until stored, and stores each exactly once', async () => {
    const world = buildWorld(testSpec({ seed: 'stream-retry', tenants: 25, days: 2 }))
    const { app } = await buildTestApp({ ch: retried, db }, { INGEST_RETRY_AFTER_SECONDS: '1' })
    // A real store failure: the events table is away until the first 503 has gone out.
    let refused = 0
    app.addHook('onResponse', async (_request, reply) => {
      if (reply.statusCode !== 503 || refused++ > 0) return
      await runCommand(
        retried,
        'RENAME TABLE {db:Identifier}.events_away TO {db:Identifier}.events',
      )
    })
    const url = await listen(app)
    await runCommand(retried, 'RENAME TABLE {db:Identifier}.events TO {db:Identifier}.events_away')
    const sent = await streamWorld({ world, client: clientFor(url), concurrency: 4 })

    expect(refused).toBeGreaterThan(0)
    expect(sent.retries).toBeGreaterThan(0)
    const metrics = (await app.inject('/metrics')).body
    expect(metrics).toMatch(
      /tenantpulse_http_refused_total\{code="INGEST_STORE_UNAVAILABLE"\} [1-9]/,
    )
    const expected = allEvents(world).map((e) => e.messageId)
    const [stored] = await queryRows<{ rows: string; ids: string; final: string }>(
      retried,
      `SELECT count() AS rows, uniqExact(message_id) AS ids,
              (SELECT count() FROM {db:Identifier}.events FINAL) AS final
       FROM {db:Identifier}.events`,
    )
    expect(stored).toEqual({
      rows: String(expected.length),
      ids: String(expected.length),
      final: String(expected.length),
    })
  })
})

describe('when the write key is wrong', () => {
  it('stops at the first batch with the API reason, since no retry can fix it', async () => {
    const world = buildWorld(testSpec({ tenants: 5, days: 1 }))
    const { app } = await buildTestApp({ ch: streamed, db })
    const url = await listen(app)
    const error = await streamWorld({
      world,
      client: clientFor(url, 'wk_not_the_right_key'),
      concurrency: 2,
    }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(StreamError)
    expect((error as Error).message).toMatch(/401 AUTH_INVALID_WRITE_KEY/)
  })
})
