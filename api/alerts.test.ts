import { beforeAll, describe, expect, it } from 'vitest'
import { addUser } from '../crm/test-fixtures.js'
import type { ClickHouse } from '../platform/clickhouse.js'
import type { Db } from '../platform/postgres.js'
import { useTestClickHouse } from '../test/clickhouse.js'
import { useTestPostgres } from '../test/postgres.js'
import { addAccount, addAlert, addRule, bearerAuth, buildPeopleTestApp } from './test-support.js'

let ch: ClickHouse
let db: Db
beforeAll(async () => {
  ch = await useTestClickHouse()
  db = await useTestPostgres()
})

let seq = 0
async function alertIn(status = 'open') {
  const tenantId = `alert-test-${++seq}`
  await addAccount(db, tenantId, 'customer')
  return { tenantId, id: await addAlert(db, { tenantId, ruleId: await addRule(db), status }) }
}

async function csm() {
  const { app, keys } = await buildPeopleTestApp({ ch, db })
  return (url: string, payload?: object) =>
    app.inject({
      method: 'POST',
      url,
      headers: bearerAuth(keys.csm),
      ...(payload ? { payload } : {}),
    })
}

const future = () => new Date(Date.now() + 86_400_000).toISOString()
const bodies: Record<string, object | undefined> = {
  acknowledge: undefined,
  snooze: { until: '2999-01-01T00:00:00.000Z' },
  resolve: { resolution: 'renewed after a call' },
}

describe('when a CSM works an alert through its states', () => {
  it('acknowledges, snoozes, resolves, and logs each change on the account', async () => {
    const call = await csm()
    const { tenantId, id } = await alertIn()
    const until = future()
    const acknowledged = await call(`/api/alerts/${id}/acknowledge`)
    expect(acknowledged.json()).toMatchObject({
      alert: { status: 'acknowledged' },
      transition: { from: 'open', to: 'acknowledged' },
    })
    const snoozed = await call(`/api/alerts/${id}/snooze`, { until })
    expect(snoozed.json().alert).toMatchObject({ status: 'snoozed', snoozedUntil: until })
    const resolved = await call(`/api/alerts/${id}/resolve`, { resolution: 'they renewed' })
    expect(resolved.json().alert).toMatchObject({
      status: 'resolved',
      snoozedUntil: null,
      resolution: 'they renewed',
      resolvedAt: expect.any(String),
    })
    const { rows } = await db.query<{ action: string; from_state: string; to_state: string }>(
      'SELECT action, from_state, to_state FROM activity_log WHERE tenant_id = $1 ORDER BY id',
      [tenantId],
    )
    expect(rows).toEqual([
      { action: 'alert_acknowledged', from_state: 'open', to_state: 'acknowledged' },
      { action: 'alert_snoozed', from_state: 'acknowledged', to_state: 'snoozed' },
      { action: 'alert_resolved', from_state: 'snoozed', to_state: 'resolved' },
    ])
  })

  // Every action the API offers, from every status, against the table in alert-state.ts.
  const refused: Array<[string, string]> = [
    ['acknowledged', 'acknowledge'],
    ['resolved', 'acknowledge'],
    ['resolved', 'snooze'],
    ['resolved', 'resolve'],
  ]
  it.each(refused)(
    'refuses a %s alert the action %s with 409 and changes nothing',
    async (status, action) => {
      const call = await csm()
      const { tenantId, id } = await alertIn(status)
      const response = await call(`/api/alerts/${id}/${action}`, bodies[action])
      expect(response.statusCode).toBe(409)
      expect(response.json().error).toMatchObject({
        code: 'ALERT_ILLEGAL_TRANSITION',
        details: { status, action },
      })
      const after = await db.query<{ status: string }>('SELECT status FROM alerts WHERE id = $1', [
        id,
      ])
      expect(after.rows[0]!.status).toBe(status)
      const log = await db.query('SELECT 1 FROM activity_log WHERE tenant_id = $1', [tenantId])
      expect(log.rowCount).toBe(0)
    },
  )

  it('wakes nothing through the API: acknowledging a snoozed alert is the way back', async () => {
    const call = await csm()
    const { id } = await alertIn('snoozed')
    const response = await call(`/api/alerts/${id}/acknowledge`)
    expect(response.json().transition).toEqual({ from: 'snoozed', to: 'acknowledged' })
    expect(response.json().alert.snoozedUntil).toBeNull()
  })

  it('refuses a snooze time in the past with 400', async () => {
    const call = await csm()
    const { id } = await alertIn()
    const response = await call(`/api/alerts/${id}/snooze`, { until: '2001-01-01T00:00:00Z' })
    expect(response.statusCode).toBe(400)
    expect(response.json().error.message).toMatch(/future/)
  })

  it('answers an unknown alert with 404', async () => {
    const call = await csm()
    expect((await call('/api/alerts/424242/acknowledge')).statusCode).toBe(404)
  })
})

describe('when an alert is assigned', () => {
  it('sets the assignee and logs it; an unknown user is 422, a resolved alert 409', async () => {
    const call = await csm()
    const { id } = await alertIn()
    const user = await addUser(db, `csm-${seq}`, 'csm')
    const assigned = await call(`/api/alerts/${id}/assign`, { assigneeId: user })
    expect(assigned.statusCode).toBe(200)
    expect(assigned.json()).toMatchObject({ alert: { assigneeId: user }, transition: null })
    const unknown = await call(`/api/alerts/${id}/assign`, { assigneeId: '999999' })
    expect(unknown.statusCode).toBe(422)
    expect(unknown.json().error.code).toBe('USER_UNKNOWN')
    const closed = await alertIn('resolved')
    expect((await call(`/api/alerts/${closed.id}/assign`, { assigneeId: user })).statusCode).toBe(
      409,
    )
  })
})

describe('when alerts are listed with filters', () => {
  it('keeps to status, severity, assignee, rule and tenant', async () => {
    const { app, keys } = await buildPeopleTestApp({ ch, db })
    const { tenantId, id } = await alertIn()
    const list = async (query: string) =>
      (await app.inject({ url: `/api/alerts?${query}`, headers: bearerAuth(keys.csm) })).json()
        .items as Array<{ id: string }>
    expect((await list(`tenant=${tenantId}`)).map((alert) => alert.id)).toEqual([id])
    expect(await list(`tenant=${tenantId}&status=resolved`)).toEqual([])
    expect(await list(`tenant=${tenantId}&severity=low`)).toEqual([])
    expect((await list(`tenant=${tenantId}&rule=usage-drop&severity=high`)).length).toBe(1)
    expect(await list(`tenant=${tenantId}&assignee=999999`)).toEqual([])
  })
})
