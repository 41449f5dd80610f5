import { beforeAll, describe, expect, it } from 'vitest'
import { loadBuiltinPlaybooks } from '../crm/builtin-playbooks.js'
import { installBuiltinPlaybooks } from '../crm/playbooks-store.js'
import { addUser } from '../crm/test-fixtures.js'
import { addActivePlaybook } from '../crm/test-playbooks.js'
import { runPlaybooks } from '../jobs/run-playbooks.js'
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
  await installBuiltinPlaybooks(db, loadBuiltinPlaybooks())
  await addActivePlaybook(db, {
    id: 'medium-alert-note',
    name: 'Note a medium alert',
    trigger: { type: 'alert_opened', severities: ['medium'] },
    tasks: [
      {
        key: 'note',
        title: 'Look at {account}',
        type: 'other',
        dueInDays: 3,
        assignee: 'account_csm',
      },
    ],
  })
  const csm = await addUser(db, 'casey', 'csm')
  await db.query('UPDATE users SET active = true WHERE id = $1', [csm])
  await addRule(db, 'usage-drop')
})

let seq = 0
async function workedAlert(severity: string) {
  const tenantId = `alert-task-${++seq}`
  await addAccount(db, tenantId, 'customer')
  const alertId = await addAlert(db, { tenantId, ruleId: 'usage-drop', severity })
  await runPlaybooks({ db }, { now: new Date(Date.now() + 1000), escalateAfterDays: 3 })
  return alertId
}

async function csm() {
  const { app, keys } = await buildPeopleTestApp({ ch, db })
  return (url: string, payload: object = {}) =>
    app.inject({ method: 'POST', url, headers: bearerAuth(keys.csm), payload })
}

const resolution = { resolution: 'called and agreed a training plan' }

describe("when an alert's playbook wants its tasks done before it is resolved", () => {
  it('refuses to resolve while a task is open with 409 ALERT_TASKS_OPEN listing them, then resolves', async () => {
    const call = await csm()
    const alertId = await workedAlert('high')
    const refused = await call(`/api/alerts/${alertId}/resolve`, resolution)
    expect(refused.statusCode).toBe(409)
    const error = refused.json().error
    expect(error.code).toBe('ALERT_TASKS_OPEN')
    expect(error.message).toMatch(/high-churn-alert/)
    const open = error.details.openTasks as Array<{ id: string; title: string; playbookId: string }>
    expect(open.map((task) => task.playbookId)).toEqual(['high-churn-alert', 'high-churn-alert'])

    await call(`/api/tasks/${open[0]!.id}/complete`, { outcome: 'they had a new admin' })
    expect((await call(`/api/alerts/${alertId}/resolve`, resolution)).statusCode).toBe(409)
    await call(`/api/tasks/${open[1]!.id}/cancel`, { reason: 'the call was enough' })
    const resolved = await call(`/api/alerts/${alertId}/resolve`, resolution)
    expect(resolved.statusCode).toBe(200)
    expect(resolved.json().alert.status).toBe('resolved')
  })

  it('resolves an alert whose playbook does not ask for it, open tasks or not', async () => {
    const call = await csm()
    const alertId = await workedAlert('medium')
    const tasks = await db.query('SELECT 1 FROM tasks WHERE alert_id = $1 AND status = $2', [
      alertId,
      'open',
    ])
    expect(tasks.rowCount).toBe(1)
    expect((await call(`/api/alerts/${alertId}/resolve`, resolution)).statusCode).toBe(200)
  })
})
