import { beforeAll, describe, expect, it } from 'vitest'
import { addAccount, addAlert, addRule } from '../api/test-support.js'
import type { ClickHouse } from '../platform/clickhouse.js'
import type { Db } from '../platform/postgres.js'
import { backtestRule } from '../rules/backtest.js'
import { loadBuiltinRules } from '../rules/builtin.js'
import { testModules } from '../rules/test-ingest.js'
import { useTestClickHouse } from '../test/clickhouse.js'
import { useTestPostgres } from '../test/postgres.js'
import { closeTask, insertTask } from './tasks.js'
import { addActivePlaybook } from './test-playbooks.js'
import { workedAlerts } from './worked-alerts.js'

let ch: ClickHouse
let db: Db
let version: number
beforeAll(async () => {
  ch = await useTestClickHouse()
  db = await useTestPostgres()
  await addRule(db, 'usage-drop')
  version = await addActivePlaybook(db, {
    id: 'worked',
    name: 'Worked',
    trigger: { type: 'alert_opened' },
    tasks: [
      { key: 'call', title: 'Call', type: 'call', dueInDays: 1, assignee: 'account_csm' },
      { key: 'meet', title: 'Meet', type: 'meeting', dueInDays: 5, assignee: 'account_csm' },
    ],
  })
})

const at = (day: string) => new Date(`${day}T09:00:00Z`)

/**
 * An alert opened on `opened`, its playbook tasks closed as given, and the account
 * cancelled on `churned` when given.
 */
async function story(
  tenantId: string,
  opened: string,
  closes: Array<'done' | 'cancelled' | 'open'>,
  churned?: string,
) {
  await addAccount(db, tenantId, 'customer')
  const alertId = await addAlert(db, { tenantId, ruleId: 'usage-drop' })
  await db.query('UPDATE alerts SET opened_at = $2 WHERE id = $1', [alertId, at(opened)])
  await db.transaction(async (tx) => {
    for (const [i, status] of closes.entries()) {
      const context = { actor: 'playbook:worked' as const, at: at(opened) }
      const id = await insertTask(
        tx,
        {
          tenantId,
          title: `task ${i}`,
          type: 'call',
          dueAt: at(opened),
          assigneeId: null,
          alertId,
          playbook: { id: 'worked', version, triggerKey: `alert:${alertId}`, templateKey: `t${i}` },
        },
        context,
      )
      if (status !== 'open')
        await closeTask(tx, { id: id!, tenantId }, { status, outcome: 'x' }, context)
    }
  })
  if (churned) {
    await db.query(
      `INSERT INTO activity_log (tenant_id, actor, action, from_state, to_state, reason, at)
       VALUES ($1, 'crm-sync', 'subscription_cancelled', 'customer', 'churned', 'cancelled', $2)`,
      [tenantId, at(churned)],
    )
  }
}

beforeAll(async () => {
  await story('worked-then-churned', '2026-01-05', ['done', 'done'], '2026-01-20')
  await story('worked-and-kept', '2026-01-06', ['done', 'done'])
  await story('worked-churned-late', '2026-01-07', ['done', 'done'], '2026-03-01')
  await story('half-worked', '2026-01-08', ['done', 'cancelled'], '2026-01-15')
  await story('still-open', '2026-01-09', ['done', 'open'])
  await story('no-tasks', '2026-01-10', [], '2026-01-12')
  await story('before-the-period', '2025-12-20', ['done', 'done'], '2026-01-02')
})

describe('when alerts were worked through their playbook tasks', () => {
  it('counts the alerts with all tasks done, and those whose account still cancelled within the horizon', async () => {
    expect(
      await workedAlerts(db, {
        ruleId: 'usage-drop',
        from: '2026-01-01',
        to: '2026-01-31',
        horizonDays: 30,
      }),
    ).toEqual({ withTasks: 5, worked: 3, churnedAfter: 1 })
  })

  it('puts the figure in the backtest report of a churn rule, and not in an ABM one', async () => {
    const rules = loadBuiltinRules(testModules())
    const options = {
      from: new Date('2026-01-01T00:00:00Z'),
      to: new Date('2026-01-31T00:00:00Z'),
      horizonDays: 60,
      modules: testModules(),
    }
    const churn = await backtestRule({ ch, db }, rules.find((r) => r.id === 'usage-drop')!, options)
    expect(churn.workedAlerts).toEqual({ withTasks: 5, worked: 3, churnedAfter: 2 })
    const abm = await backtestRule({ ch, db }, rules.find((r) => r.kind === 'abm')!, options)
    expect(abm.workedAlerts).toBeUndefined()
  })
})
