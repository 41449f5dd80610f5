import { beforeAll, describe, expect, it } from 'vitest'
import { addAccount, addAlert, addRule } from '../api/test-support.js'
import type { Db } from '../platform/postgres.js'
import { useTestPostgres } from '../test/postgres.js'
import { listActivity } from './activity-log.js'
import { wakeSnoozedAlerts } from './wake-alerts.js'

let db: Db
beforeAll(async () => {
  db = await useTestPostgres()
  await addAccount(db, 'waking', 'customer')
  await addRule(db)
})

const statusOf = async (id: string) =>
  (await db.query<{ status: string }>('SELECT status FROM alerts WHERE id = $1', [id])).rows[0]!
    .status

describe('when a snoozed alert reaches its time', () => {
  it('opens again, logged in the account history, and only then', async () => {
    // addAlert snoozes until a day from now.
    const snoozed = await addAlert(db, {
      tenantId: 'waking',
      ruleId: 'usage-drop',
      status: 'snoozed',
    })
    const now = Date.now()

    expect(await wakeSnoozedAlerts(db, new Date(now + 60 * 60_000))).toEqual({ woken: 0 })
    expect(await statusOf(snoozed)).toBe('snoozed')

    expect(await wakeSnoozedAlerts(db, new Date(now + 25 * 60 * 60_000))).toEqual({ woken: 1 })
    expect(await statusOf(snoozed)).toBe('open')
    const { rows } = await db.query<{ snoozed_until: Date | null }>(
      'SELECT snoozed_until FROM alerts WHERE id = $1',
      [snoozed],
    )
    expect(rows[0]!.snoozed_until).toBeNull()
    const history = await listActivity(db, 'waking')
    expect(history.at(-1)).toMatchObject({
      actor: 'system',
      action: 'alert_woken',
      fromState: 'snoozed',
      toState: 'open',
      details: { alertId: snoozed, ruleId: 'usage-drop' },
    })

    // Nothing left to wake: a second run changes nothing.
    expect(await wakeSnoozedAlerts(db, new Date(now + 25 * 60 * 60_000))).toEqual({ woken: 0 })
  })

  it('leaves open, acknowledged and resolved alerts as they are', async () => {
    // One unresolved alert per account and rule: a rule each.
    const others: string[] = []
    for (const status of ['open', 'acknowledged', 'resolved']) {
      const ruleId = await addRule(db, `keep-${status}`)
      others.push(await addAlert(db, { tenantId: 'waking', ruleId, status }))
    }
    await wakeSnoozedAlerts(db, new Date(Date.now() + 365 * 86_400_000))
    expect(await Promise.all(others.map(statusOf))).toEqual(['open', 'acknowledged', 'resolved'])
  })
})
