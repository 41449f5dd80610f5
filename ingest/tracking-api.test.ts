import { gzipSync } from 'node:zlib'
import { beforeAll, describe, expect, it } from 'vitest'
import type { ClickHouse } from '../platform/clickhouse.js'
import type { Db } from '../platform/postgres.js'
import { basicAuth, buildTestApp, writeKey } from '../test/app.js'
import { queryRows, useTestClickHouse } from '../test/clickhouse.js'
import { useTestPostgres } from '../test/postgres.js'

let ch: ClickHouse
let db: Db
beforeAll(async () => {
  ch = await useTestClickHouse()
  db = await useTestPostgres()
})

let seq = 0
const uid = (prefix: string) => `${prefix}-${process.pid}-${++seq}`

async function post(
  path: string,
  body: unknown,
  headers: Record<string, string> = { authorization: basicAuth() },
) {
  const { app } = await buildTestApp({ ch, db })
  const response = await app.inject({
    method: 'POST',
    url: path,
    headers: { 'content-type': 'application/json', ...headers },
    payload: typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body),
  })
  return { status: response.statusCode, body: response.json(), headers: response.headers }
}

const stored = (messageIds: string[]) =>
  queryRows<Record<string, string>>(
    ch,
    'SELECT * FROM {db:Identifier}.events FINAL WHERE message_id IN {ids:Array(String)} ORDER BY message_id',
    { ids: messageIds },
  )

const rejectedRows = (messageIds: string[]) =>
  queryRows<{ message_id: string; reason: string; detail: string; payload: string }>(
    ch,
    'SELECT message_id, reason, detail, payload FROM {db:Identifier}.rejected_events WHERE message_id IN {ids:Array(String)} ORDER BY message_id',
    { ids: messageIds },
  )

describe('when each tracking endpoint gets a valid call', () => {
  const cases: Array<
    [string, Record<string, unknown>, { type: string; kind: string; module: string; event: string }]
  > = [
    [
      'track',
      { event: 'Report Created', properties: { module: 'analytics' } },
      { type: 'track', kind: 'action', module: 'analytics', event: 'Report Created' },
    ],
    [
      'page',
      { name: 'Pricing', properties: { path: '/pricing/automation' } },
      { type: 'page', kind: 'pricing', module: 'automation', event: 'Pricing' },
    ],
    [
      'screen',
      { name: 'Workflows', properties: { path: '/workflows/12' } },
      { type: 'screen', kind: 'view', module: 'automation', event: 'Workflows' },
    ],
    [
      'identify',
      { traits: { email: 'a@example.com' } },
      { type: 'identify', kind: 'identify', module: '', event: '' },
    ],
    [
      'group',
      { groupId: 'acme', traits: { name: 'Acme', plan: 'free' } },
      { type: 'group', kind: 'group', module: '', event: '' },
    ],
    [
      'alias',
      { previousId: 'anon-1' },
      { type: 'alias', kind: 'alias', module: '', event: 'anon-1' },
    ],
  ]
  it.each(cases)(
    'stores a /v1/%s call with its tenant, module and kind',
    async (endpoint, fields, expected) => {
      const messageId = uid(endpoint)
      const res = await post(`/v1/${endpoint}`, {
        userId: 'u-1',
        messageId,
        context: { groupId: 'acme' },
        ...fields,
      })
      expect(res).toMatchObject({ status: 200, body: { success: true } })
      const [row] = await stored([messageId])
      expect(row).toMatchObject({ tenant_id: 'acme', user_id: 'u-1', ...expected })
    },
  )

  it('stores every event of a /v1/batch call, with the batch context merged in', async () => {
    const ids = [uid('b'), uid('b')]
    const res = await post('/v1/batch', {
      context: { groupId: 'globex', library: { name: 'test' } },
      batch: [
        {
          type: 'track',
          event: 'Signed In',
          userId: 'u-2',
          messageId: ids[0],
          properties: { module: 'workspace' },
        },
        {
          type: 'page',
          userId: 'u-2',
          messageId: ids[1],
          context: { page: { path: '/reports/weekly' } },
        },
      ],
    })
    expect(res).toMatchObject({ status: 200, body: { success: true } })
    const rows = await stored(ids)
    expect(rows.map((r) => [r.tenant_id, r.module, r.kind])).toEqual([
      ['globex', 'workspace', 'action'],
      ['globex', 'analytics', 'view'],
    ])
    expect(JSON.parse(rows[1]!.context!)).toMatchObject({
      library: { name: 'test' },
      page: { path: '/reports/weekly' },
    })
  })
})

describe('when the write key is missing or wrong', () => {
  it.each([
    ['no key', {}, 'AUTH_MISSING_WRITE_KEY'],
    [
      'an unknown Basic-auth key',
      { authorization: basicAuth('wk_nope_0000000') },
      'AUTH_INVALID_WRITE_KEY',
    ],
  ])('answers 401 for %s and stores nothing', async (_name, headers, code) => {
    const messageId = uid('auth')
    const res = await post(
      '/v1/track',
      { userId: 'u', event: 'x', messageId, context: { groupId: 't' } },
      headers,
    )
    expect(res.status).toBe(401)
    expect(res.body.error.code).toBe(code)
    expect(await stored([messageId])).toEqual([])
    expect(await rejectedRows([messageId])).toEqual([])
  })

  it('accepts the key as `writeKey` in the body', async () => {
    const messageId = uid('bodykey')
    const res = await post(
      '/v1/batch',
      {
        writeKey,
        batch: [{ type: 'track', userId: 'u', event: 'x', messageId, context: { groupId: 't' } }],
      },
      {},
    )
    expect(res.status).toBe(200)
    expect(await stored([messageId])).toHaveLength(1)
  })
})

describe('when a batch mixes valid and invalid events', () => {
  it('stores the valid ones, keeps the invalid ones with their reasons, and answers 200', async () => {
    const [good1, good2, noEvent, noTenant, proto, deep] = Array.from({ length: 6 }, () =>
      uid('mix'),
    )
    let nested: unknown = 'leaf'
    for (let i = 0; i < 40; i++) nested = [nested]
    const res = await post('/v1/batch', {
      batch: [
        { type: 'track', userId: 'u', event: 'A', messageId: good1, context: { groupId: 'mixco' } },
        { type: 'track', userId: 'u', messageId: noEvent, context: { groupId: 'mixco' } },
        { type: 'track', userId: 'stranger', event: 'B', messageId: noTenant },
        JSON.parse(
          `{"type":"track","userId":"u","event":"C","messageId":"${proto}","context":{"groupId":"mixco"},"properties":{"__proto__":{"admin":true}}}`,
        ),
        {
          type: 'track',
          userId: 'u',
          event: 'D',
          messageId: deep,
          context: { groupId: 'mixco' },
          properties: { nested },
        },
        { type: 'page', userId: 'u', messageId: good2, context: { groupId: 'mixco' } },
      ],
    })
    expect(res.status).toBe(200)
    expect(res.body.success).toBe(true)
    expect(
      res.body.rejected.map((r: { index: number; reason: string }) => [r.index, r.reason]),
    ).toEqual([
      [1, 'invalid_event'],
      [2, 'no_tenant'],
      [3, 'forbidden_key'],
      [4, 'too_deep'],
    ])
    expect(res.body.rejected[0].message).toContain('event')
    expect((await stored([good1!, good2!])).map((r) => r.message_id)).toEqual([good1, good2].sort())
    const kept = await rejectedRows([noEvent!, noTenant!, proto!, deep!])
    expect(kept.map((r) => r.reason).sort()).toEqual([
      'forbidden_key',
      'invalid_event',
      'no_tenant',
      'too_deep',
    ])
    expect(JSON.parse(kept.find((r) => r.reason === 'no_tenant')!.payload)).toMatchObject({
      userId: 'stranger',
      event: 'B',
    })
  })

  it('answers a single invalid event with a 400 that says why, and keeps it', async () => {
    const messageId = uid('single')
    const res = await post('/v1/track', { userId: 'u', messageId, context: { groupId: 't' } })
    expect(res.status).toBe(400)
    expect(res.body.error).toMatchObject({
      code: 'INGEST_INVALID_EVENT',
      details: { reason: 'invalid_event' },
    })
    expect(await rejectedRows([messageId])).toHaveLength(1)
  })
})

describe('when a request is over a limit', () => {
  it('answers 413 for a body over 500 KB', async () => {
    const res = await post('/v1/batch', {
      batch: [
        {
          type: 'track',
          userId: 'u',
          event: 'x',
          context: { groupId: 't' },
          properties: { pad: 'x'.repeat(520_000) },
        },
      ],
    })
    expect(res.status).toBe(413)
    expect(res.body.error.code).toBe('INGEST_PAYLOAD_TOO_LARGE')
  })

  it('answers 413 for more than 2,500 events', async () => {
    const batch = Array.from({ length: 2501 }, () => ({
      type: 'track',
      userId: 'u',
      event: 'x',
      context: { groupId: 't' },
    }))
    const res = await post('/v1/batch', { batch })
    expect(res.status).toBe(413)
    expect(res.body.error.code).toBe('INGEST_TOO_MANY_EVENTS')
  })

  it('refuses an event over 32 KB and stores its neighbours', async () => {
    const [big, small] = [uid('big'), uid('small')]
    const res = await post('/v1/batch', {
      batch: [
        {
          type: 'track',
          userId: 'u',
          event: 'x',
          messageId: big,
          context: { groupId: 't' },
          properties: {
            a: 'y'.repeat(5000),
            b: 'y'.repeat(5000),
            c: 'y'.repeat(5000),
            d: 'y'.repeat(5000),
            e: 'y'.repeat(5000),
            f: 'y'.repeat(5000),
            g: 'y'.repeat(5000),
          },
        },
        { type: 'track', userId: 'u', event: 'x', messageId: small, context: { groupId: 't' } },
      ],
    })
    expect(res.status).toBe(200)
    expect(res.body.rejected).toEqual([expect.objectContaining({ index: 0, reason: 'too_large' })])
    expect(await stored([small])).toHaveLength(1)
  })

  it('refuses an event with too many keys', async () => {
    const properties = Object.fromEntries(Array.from({ length: 600 }, (_, i) => [`k${i}`, i]))
    const res = await post('/v1/batch', {
      batch: [{ type: 'track', userId: 'u', event: 'x', context: { groupId: 't' }, properties }],
    })
    expect(res.body.rejected[0].reason).toBe('too_many_keys')
  })

  it('survives a 100,000-deep array and keeps the event beside it', async () => {
    const ok = uid('beside')
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`
    const payload = `{"batch":[{"type":"track","userId":"u","event":"x","context":{"groupId":"t"},"properties":{"d":${deep}}},{"type":"track","userId":"u","event":"x","messageId":"${ok}","context":{"groupId":"t"}}]}`
    const res = await post('/v1/batch', payload)
    expect(res.status).toBe(200)
    expect(res.body.rejected[0].reason).toBe('too_deep')
    expect(await stored([ok])).toHaveLength(1)
  })
})

describe('when the body is not usable', () => {
  it.each([
    ['not JSON', '{"batch": [', 'INGEST_INVALID_JSON'],
    ['no batch', { events: [] }, 'INGEST_NO_BATCH'],
    ['an array', [], 'BAD_REQUEST'],
  ])('answers 400 for %s', async (_name, body, code) => {
    const res = await post('/v1/batch', body)
    expect(res.status).toBe(400)
    expect(res.body.error.code).toBe(code)
  })
})

describe('when the body is gzip-encoded', () => {
  it('decodes it and stores the events', async () => {
    const messageId = uid('gzip')
    const body = gzipSync(
      JSON.stringify({
        batch: [{ type: 'track', userId: 'u', event: 'x', messageId, context: { groupId: 't' } }],
      }),
    )
    const res = await post('/v1/batch', body, {
      authorization: basicAuth(),
      'content-encoding': 'gzip',
    })
    expect(res.status).toBe(200)
    expect(await stored([messageId])).toHaveLength(1)
  })

  it('answers 413 when it decodes past the limit, however small it is', async () => {
    const bomb = gzipSync(Buffer.alloc(20_000_000, 32))
    expect(bomb.length).toBeLessThan(100_000)
    const res = await post('/v1/batch', bomb, {
      authorization: basicAuth(),
      'content-encoding': 'gzip',
    })
    expect(res.status).toBe(413)
  })
})

describe('when the client clock is off', () => {
  it('moves the timestamp by the gap between sentAt and our clock', async () => {
    const messageId = uid('skew')
    const hourAhead = Date.now() + 3_600_000
    const res = await post('/v1/batch', {
      sentAt: new Date(hourAhead).toISOString(),
      batch: [
        {
          type: 'track',
          userId: 'u',
          event: 'x',
          messageId,
          context: { groupId: 't' },
          timestamp: new Date(hourAhead - 60_000).toISOString(),
        },
      ],
    })
    expect(res.status).toBe(200)
    const [row] = await stored([messageId])
    const lag = Date.now() - Date.parse(`${row!.timestamp}Z`)
    expect(lag).toBeGreaterThan(55_000)
    expect(lag).toBeLessThan(70_000)
  })
})

describe('when an event names no tenant', () => {
  it("takes the tenant of the user's last group call, in the same batch or an earlier one", async () => {
    const [later, sameBatch, group] = [uid('g'), uid('g'), uid('g')]
    const user = uid('user')
    await post('/v1/batch', {
      batch: [
        {
          type: 'group',
          userId: user,
          groupId: 'initech',
          messageId: group,
          traits: { plan: 'free' },
        },
        { type: 'track', userId: user, event: 'x', messageId: sameBatch },
      ],
    })
    // A fresh app has an empty cache, so this one is looked up in ClickHouse.
    await post('/v1/track', { userId: user, event: 'y', messageId: later })
    expect((await stored([sameBatch, later])).map((r) => r.tenant_id)).toEqual([
      'initech',
      'initech',
    ])
  })
})

describe('when properties hold integers beyond 2^53', () => {
  it('keeps their exact digits', async () => {
    const messageId = uid('big')
    const payload = `{"batch":[{"type":"track","userId":"u","event":"x","messageId":"${messageId}","context":{"groupId":"t"},"properties":{"id":12345678901234567891,"n":3}}]}`
    expect((await post('/v1/batch', payload)).status).toBe(200)
    const [row] = await stored([messageId])
    expect(row!.properties).toBe('{"id":"12345678901234567891","n":3}')
  })
})

describe('when an event has no messageId', () => {
  it('derives one from the payload, so a resent payload is the same event', async () => {
    const event = {
      type: 'track',
      userId: 'u',
      event: uid('noid'),
      context: { groupId: 'noid' },
      timestamp: '2026-11-01T10:00:00.000Z',
    }
    await post('/v1/batch', { batch: [event] })
    await post('/v1/batch', { batch: [event] })
    const rows = await queryRows<{ ids: string }>(
      ch,
      'SELECT uniqExact(message_id) AS ids FROM {db:Identifier}.events WHERE event = {e:String}',
      { e: event.event },
    )
    expect(Number(rows[0]!.ids)).toBe(1)
  })
})

describe('when the service is asked for its health', () => {
  it('answers /healthz, /readyz with the engines, and /metrics with ingest counters', async () => {
    const { app } = await buildTestApp({ ch, db })
    expect((await app.inject('/healthz')).json()).toEqual({ status: 'ok' })
    expect((await app.inject('/readyz')).json()).toMatchObject({
      status: 'ready',
      checks: { clickhouse: 'ok', postgres: 'ok' },
    })
    await app.inject({
      method: 'POST',
      url: '/v1/track',
      headers: { authorization: basicAuth() },
      payload: { userId: 'u', event: 'x', context: { groupId: 't' } },
    })
    await app.inject({
      method: 'POST',
      url: '/v1/track',
      headers: { authorization: basicAuth() },
      payload: { userId: 'u', context: { groupId: 't' } },
    })
    const metrics = (await app.inject('/metrics')).body
    expect(metrics).toMatch(/tenantpulse_ingest_events_accepted_total 1\b/)
    expect(metrics).toMatch(
      /tenantpulse_ingest_events_rejected_total\{reason="invalid_event"\} 1\b/,
    )
    expect(metrics).toMatch(/tenantpulse_ingest_insert_seconds_count\{outcome="ok"\} \d+/)
    expect(metrics).toContain('tenantpulse_ingest_queue_rows')
  })
})

describe('when values hold tabs, line breaks, backslashes, quotes and non-Latin text', () => {
  it('stores them exactly', async () => {
    const messageId = uid('text')
    const name = 'Tab\there\nline\\slash "quoted" é 中文 🎉\r'
    const res = await post('/v1/track', {
      userId: 'u\t1',
      event: name,
      messageId,
      context: { groupId: 'text\\co' },
      properties: { note: name },
    })
    expect(res.status).toBe(200)
    const [row] = await stored([messageId])
    expect(row).toMatchObject({ event: name, user_id: 'u\t1', tenant_id: 'text\\co' })
    expect(JSON.parse(row!.properties!)).toEqual({ note: name })
  })
})

describe('when an admin makes a write key for a new source', () => {
  it('lets it send events, and a revoked one gets 401', async () => {
    const { app } = await buildTestApp({ ch, db })
    const made = await app.inject({
      method: 'POST',
      url: '/api/keys',
      headers: { authorization: 'Bearer tpk_test_admin_key_seeded' },
      payload: { role: 'write', name: 'mobile app' },
    })
    expect(made.statusCode).toBe(201)
    const { id, key } = made.json()
    const messageId = uid('newkey')
    const sent = await post(
      '/v1/track',
      { userId: 'u', event: 'x', messageId, context: { groupId: 't' } },
      { authorization: basicAuth(key) },
    )
    expect(sent.status).toBe(200)
    expect((await stored([messageId]))[0]!.write_key_id).toBe(`key-${id}`)
    await db.query('UPDATE api_keys SET revoked_at = now() WHERE id = $1', [id])
    // A fresh app: a process remembers a good key for a while (WriteKeyStore's cache).
    const refused = await post(
      '/v1/track',
      { userId: 'u', event: 'x', context: { groupId: 't' } },
      { authorization: basicAuth(key) },
    )
    expect(refused.status).toBe(401)
  })
})
