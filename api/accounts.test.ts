import { beforeAll, describe, expect, it } from 'vitest'
import { type ClickHouse, runCommand } from '../platform/clickhouse.js'
import type { Db } from '../platform/postgres.js'
import { foldCommitted, useTestClickHouse } from '../test/clickhouse.js'
import { useTestPostgres } from '../test/postgres.js'
import { addAccount, addAlert, addRule, bearerAuth, buildPeopleTestApp } from './test-support.js'

let ch: ClickHouse
let db: Db
beforeAll(async () => {
  ch = await useTestClickHouse()
  db = await useTestPostgres()
  await addAccount(db, 'acme', 'customer')
  await db.query(
    `UPDATE accounts SET health_score = 42, health_components = '{"usage_trend": 0.3}' WHERE tenant_id = 'acme'`,
  )
  const rule = await addRule(db)
  await addAlert(db, { tenantId: 'acme', ruleId: rule, severity: 'medium' })
  await db.query(
    `INSERT INTO activity_log (tenant_id, actor, action, from_state, to_state, reason, at)
     VALUES ('acme', 'crm-sync', 'order_completed', 'prospect', 'customer', 'first order', now())`,
  )
  await db.query(
    `INSERT INTO intent_signals (tenant_id, rule_id, rule_version, evidence, fired_at)
     VALUES ('acme', $1, 1, '{"module_views": 31}', now())`,
    [rule],
  )
  // Two days of usage; m2 arrives twice (a redelivery) and must count once.
  await runCommand(
    ch,
    `INSERT INTO {db:Identifier}.events (tenant_id, timestamp, received_at, message_id, type, event, kind, module, user_id) VALUES
     ('acme', '2026-03-01 10:00:00', now(), 'm1', 'track', 'Report Created', 'action', 'analytics', 'u1'),
     ('acme', '2026-03-01 11:00:00', now(), 'm2', 'page', '', 'view', 'analytics', 'u2'),
     ('acme', '2026-03-01 11:00:00', now(), 'm2', 'page', '', 'view', 'analytics', 'u2'),
     ('acme', '2026-03-01 12:00:00', now(), 'm3', 'page', '', 'view', 'billing', 'u1'),
     ('acme', '2026-03-02 09:00:00', now(), 'm4', 'track', 'Invoice Sent', 'action', 'billing', 'u3'),
     ('other', '2026-03-01 09:00:00', now(), 'm5', 'track', 'Invoice Sent', 'action', 'billing', 'u9')`,
  )
  await foldCommitted(ch)
})

describe('when a CSM opens a customer account', () => {
  it('shows the record, health as stored, history, open alerts and intent signals', async () => {
    const { app, keys } = await buildPeopleTestApp({ ch, db })
    const response = await app.inject({ url: '/api/accounts/acme', headers: bearerAuth(keys.csm) })
    expect(response.statusCode).toBe(200)
    const view = response.json()
    expect(view.account).toMatchObject({
      tenantId: 'acme',
      lifecycle: 'customer',
      ownerTeam: 'cs',
      health: { score: 42, components: { usage_trend: 0.3 } },
    })
    expect(view.history).toEqual([
      expect.objectContaining({
        action: 'order_completed',
        fromState: 'prospect',
        toState: 'customer',
      }),
    ])
    expect(view.openAlerts).toEqual([
      expect.objectContaining({ severity: 'medium', status: 'open' }),
    ])
    expect(view.intentSignals).toEqual([
      expect.objectContaining({ ruleId: 'usage-drop', evidence: { module_views: 31 } }),
    ])
  })

  it('answers an unknown tenant with 404', async () => {
    const { app, keys } = await buildPeopleTestApp({ ch, db })
    const response = await app.inject({
      url: '/api/accounts/nobody',
      headers: bearerAuth(keys.admin),
    })
    expect(response.statusCode).toBe(404)
    expect(response.json().error.code).toBe('NOT_FOUND')
  })
})

describe('when a CSM reads the daily usage', () => {
  it('gives distinct events and active users per day, module and kind', async () => {
    const { app, keys } = await buildPeopleTestApp({ ch, db })
    const response = await app.inject({
      url: '/api/accounts/acme/usage?from=2026-03-01&to=2026-03-07',
      headers: bearerAuth(keys.csm),
    })
    expect(response.statusCode).toBe(200)
    expect(response.json()).toEqual({
      tenantId: 'acme',
      from: '2026-03-01',
      to: '2026-03-07',
      days: [
        {
          day: '2026-03-01',
          events: 3,
          activeUsers: 2,
          modules: [
            { module: 'analytics', kind: 'action', events: 1, activeUsers: 1 },
            { module: 'analytics', kind: 'view', events: 1, activeUsers: 1 },
            { module: 'billing', kind: 'view', events: 1, activeUsers: 1 },
          ],
        },
        {
          day: '2026-03-02',
          events: 1,
          activeUsers: 1,
          modules: [{ module: 'billing', kind: 'action', events: 1, activeUsers: 1 }],
        },
      ],
    })
  })

  it.each([
    ['from=2026-03-05&to=2026-03-01', 'from after to'],
    ['from=2024-01-01&to=2026-03-01', 'over 400 days'],
    ['from=yesterday', 'not a date'],
  ])('refuses %s (%s) with 400', async (query) => {
    const { app, keys } = await buildPeopleTestApp({ ch, db })
    const response = await app.inject({
      url: `/api/accounts/acme/usage?${query}`,
      headers: bearerAuth(keys.csm),
    })
    expect(response.statusCode).toBe(400)
    expect(response.json().error.code).toBe('BAD_REQUEST')
  })
})
