import { beforeAll, describe, expect, it } from 'vitest'
import type { ClickHouse } from '../platform/clickhouse.js'
import type { Db } from '../platform/postgres.js'
import { useTestClickHouse } from '../test/clickhouse.js'
import { useTestPostgres } from '../test/postgres.js'
import { bearerAuth, buildPeopleTestApp } from './test-support.js'

let ch: ClickHouse
let db: Db
beforeAll(async () => {
  ch = await useTestClickHouse()
  db = await useTestPostgres()
})

async function admin() {
  const { app, keys } = await buildPeopleTestApp({ ch, db })
  return (method: 'GET' | 'POST' | 'DELETE', url: string, payload?: object) =>
    app.inject({ method, url, headers: bearerAuth(keys.admin), ...(payload ? { payload } : {}) })
}

describe('when an admin subscribes a URL', () => {
  it('answers the whsec_ secret once and never lists it again', async () => {
    const call = await admin()
    const created = await call('POST', '/api/webhooks', {
      url: 'https://hooks.example.test/tenantpulse',
      eventTypes: ['alert.opened', 'lead.opened', 'alert.opened'],
    })
    expect(created.statusCode).toBe(201)
    const body = created.json()
    expect(body).toMatchObject({
      url: 'https://hooks.example.test/tenantpulse',
      eventTypes: ['alert.opened', 'lead.opened'],
      active: true,
    })
    expect(body.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/)
    const list = await call('GET', '/api/webhooks')
    expect(list.body).not.toContain(body.secret)
    expect(list.json().items).toContainEqual(expect.objectContaining({ id: body.id }))
  })

  it.each<[object, string]>([
    [{ url: 'ftp://example.test/x' }, 'a scheme other than http(s)'],
    [{ url: 'not a url' }, 'not a URL'],
    [{ url: 'https://example.test/x', eventTypes: ['order.completed'] }, 'an unknown event type'],
  ])('refuses %j (%s) with 400', async (payload) => {
    const call = await admin()
    const response = await call('POST', '/api/webhooks', payload)
    expect(response.statusCode).toBe(400)
    expect(response.json().error.code).toBe('BAD_REQUEST')
  })
})

describe('when deliveries fail', () => {
  it('shows attempts, the last error and what was delivered, newest first', async () => {
    const call = await admin()
    const id = (await call('POST', '/api/webhooks', { url: 'https://example.test/hook' })).json().id
    await db.query(
      `INSERT INTO webhook_outbox (subscription_id, event_type, payload, attempts, last_error, delivered_at)
       VALUES ($1, 'lead.opened', '{}', 1, NULL, now()),
              ($1, 'alert.opened', '{}', 3, 'HTTP 500', NULL),
              ($1, 'alert.opened', '{}', 0, NULL, NULL)`,
      [id],
    )
    const page = (await call('GET', `/api/webhooks/${id}/deliveries`)).json()
    expect(page.items.map((d: { status: string }) => d.status)).toEqual([
      'pending',
      'failing',
      'delivered',
    ])
    expect(page.items[1]).toMatchObject({ attempts: 3, lastError: 'HTTP 500', deliveredAt: null })
    const failing = (await call('GET', `/api/webhooks/${id}/deliveries?status=failing`)).json()
    expect(failing.items).toHaveLength(1)
  })
})

describe('when an admin deletes a subscription', () => {
  it('deactivates it, keeps its deliveries readable, and a second delete is harmless', async () => {
    const call = await admin()
    const id = (await call('POST', '/api/webhooks', { url: 'https://example.test/gone' })).json().id
    const deleted = await call('DELETE', `/api/webhooks/${id}`)
    expect(deleted.statusCode).toBe(200)
    expect(deleted.json()).toMatchObject({ id, active: false, disabledAt: expect.any(String) })
    const again = await call('DELETE', `/api/webhooks/${id}`)
    expect(again.json().disabledAt).toBe(deleted.json().disabledAt)
    expect((await call('GET', `/api/webhooks/${id}/deliveries`)).statusCode).toBe(200)
  })
})
