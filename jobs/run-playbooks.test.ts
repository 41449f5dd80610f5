import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { addAccount, addAlert, addRule } from '../api/test-support.js'
import { applyLifecycleEvents } from '../crm/apply-lifecycle-event.js'
import { loadBuiltinPlaybooks } from '../crm/builtin-playbooks.js'
import { installBuiltinPlaybooks } from '../crm/playbooks-store.js'
import { createTestDatabase, type TestDatabase } from '../crm/test-database.js'
import { groupCall, orderCompleted } from '../crm/test-events.js'
import { addUser } from '../crm/test-fixtures.js'
import { addActivePlaybook, daysFrom, tasksOf } from '../crm/test-playbooks.js'
import type { Db } from '../platform/postgres.js'
import { runPlaybooks } from './run-playbooks.js'

const serverUrl = process.env.DATABASE_URL
let t: TestDatabase
let db: Db
let csm: string
beforeAll(async () => {
  t = await createTestDatabase(serverUrl ? 'server' : 'embedded', { serverUrl })
  db = t.db
  await installBuiltinPlaybooks(db, loadBuiltinPlaybooks())
  csm = await addUser(db, 'casey', 'csm')
  await addRule(db, 'usage-drop')
})
afterAll(() => t?.drop())

// A second ahead: Postgres keeps microseconds, a Date only milliseconds, so a row made
// in the same millisecond would otherwise look later than "now".
const soon = () => new Date(Date.now() + 1000)
const run = (now = soon(), on: Db = db) => runPlaybooks({ db: on }, { now, escalateAfterDays: 3 })

let seq = 0
async function customer(csmId: string | null = csm) {
  const tenantId = `pb-${++seq}`
  await addAccount(db, tenantId, 'customer')
  await db.query('UPDATE accounts SET csm_id = $2, owner_id = $2 WHERE tenant_id = $1', [
    tenantId,
    csmId,
  ])
  return tenantId
}

const today = () => new Date().toISOString().slice(0, 10)

describe('when a high-severity churn alert opens', () => {
  it("creates the playbook's two tasks for the account's CSM, once however often the job runs", async () => {
    const tenantId = await customer()
    const alertId = await addAlert(db, { tenantId, ruleId: 'usage-drop', severity: 'high' })
    const first = await run()
    expect(first.created['high-churn-alert']).toBe(2)
    await run()
    const tasks = await tasksOf(db, tenantId)
    expect(tasks.map((task) => [task.template_key, task.type, task.title])).toEqual([
      ['call', 'call', `Call Account ${tenantId}: usage fell`],
      ['recovery-meeting', 'meeting', `Recovery meeting with Account ${tenantId}`],
    ])
    for (const task of tasks) {
      expect(task).toMatchObject({
        status: 'open',
        assignee_id: csm,
        alert_id: alertId,
        playbook_id: 'high-churn-alert',
        trigger_key: `alert:${alertId}`,
      })
    }
    const log = await db.query<{ actor: string; action: string }>(
      "SELECT actor, action FROM activity_log WHERE tenant_id = $1 AND action LIKE 'task_%'",
      [tenantId],
    )
    expect(log.rows).toEqual([
      { actor: 'playbook:high-churn-alert', action: 'task_created' },
      { actor: 'playbook:high-churn-alert', action: 'task_created' },
    ])
  })

  it('creates nothing for a low-severity alert, nor for one resolved before the job ran', async () => {
    const low = await customer()
    await addAlert(db, { tenantId: low, ruleId: 'usage-drop', severity: 'low' })
    const resolved = await customer()
    await addAlert(db, { tenantId: resolved, ruleId: 'usage-drop', status: 'resolved' })
    await run()
    expect(await tasksOf(db, low)).toEqual([])
    expect(await tasksOf(db, resolved)).toEqual([])
  })

  it('leaves an alert older than the lookback alone', async () => {
    const tenantId = await customer()
    const alertId = await addAlert(db, { tenantId, ruleId: 'usage-drop', severity: 'critical' })
    await db.query("UPDATE alerts SET opened_at = now() - interval '8 days' WHERE id = $1", [
      alertId,
    ])
    await run()
    expect(await tasksOf(db, tenantId)).toEqual([])
  })

  it.skipIf(!serverUrl)(
    'creates each task once when two workers run the job at the same time',
    async () => {
      const tenants: string[] = []
      for (let i = 0; i < 6; i++) {
        const tenantId = await customer()
        await addAlert(db, { tenantId, ruleId: 'usage-drop', severity: 'high' })
        tenants.push(tenantId)
      }
      const other = await t.connect()
      const now = soon()
      const [a, b] = await Promise.all([run(now), run(now, other)])
      const created = (a.created['high-churn-alert'] ?? 0) + (b.created['high-churn-alert'] ?? 0)
      expect(created).toBe(12)
      for (const tenantId of tenants) expect(await tasksOf(db, tenantId)).toHaveLength(2)
    },
  )
})

describe('when a lead is opened, then converted', () => {
  it("creates the opened playbook's task for the lead's owner, then the converted one's", async () => {
    const rep = await addUser(db, 'robin', 'sales')
    await addActivePlaybook(db, {
      id: 'lead-first-contact',
      name: 'First contact',
      trigger: { type: 'lead_opened', sources: ['abm'] },
      tasks: [
        {
          key: 'call',
          title: 'Call {account}',
          type: 'call',
          dueInDays: 1,
          assignee: 'lead_owner',
        },
      ],
    })
    await addActivePlaybook(db, {
      id: 'lead-proposal',
      name: 'Proposal',
      trigger: { type: 'lead_converted' },
      tasks: [
        {
          key: 'proposal',
          title: 'Proposal for {account}',
          type: 'email',
          dueInDays: 3,
          assignee: 'lead_owner',
        },
      ],
    })
    const tenantId = `pb-lead-${++seq}`
    await addAccount(db, tenantId, 'lead')
    const { rows } = await db.query<{ id: string }>(
      "INSERT INTO leads (tenant_id, source, owner_id) VALUES ($1, 'abm', $2) RETURNING id",
      [tenantId, rep],
    )
    const leadId = rows[0]!.id
    await run()
    await run()
    expect(
      (await tasksOf(db, tenantId)).map((task) => [task.playbook_id, task.assignee_id]),
    ).toEqual([['lead-first-contact', rep]])

    await db.query("UPDATE accounts SET lifecycle = 'opportunity' WHERE tenant_id = $1", [tenantId])
    await db.query("UPDATE leads SET status = 'converted', closed_at = now() WHERE id = $1", [
      leadId,
    ])
    const opportunity = await db.query<{ id: string }>(
      "INSERT INTO opportunities (tenant_id, kind, lead_id) VALUES ($1, 'new', $2) RETURNING id",
      [tenantId, leadId],
    )
    await run()
    await run()
    const tasks = await tasksOf(db, tenantId)
    expect(tasks.map((task) => task.trigger_key)).toEqual([
      `lead:${leadId}:opened`,
      `lead:${leadId}:converted`,
    ])
    expect(tasks[1]).toMatchObject({
      lead_id: leadId,
      opportunity_id: opportunity.rows[0]!.id,
      assignee_id: rep,
    })
  })
})

describe('when an account becomes a customer by its first order', () => {
  it('creates the onboarding tasks for its new CSM, once, and none for a tenant that was already paying', async () => {
    const tenantId = `pb-order-${++seq}`
    const paying = `pb-paying-${++seq}`
    const on = today()
    await applyLifecycleEvents(db, [
      groupCall(tenantId, `${tenantId}-g`, on, { name: 'Orderly', plan: 'free' }),
      orderCompleted(tenantId, `${tenantId}-o`, on, { orderId: 'O-1', revenue: 500 }),
      groupCall(paying, `${paying}-g`, on, { name: 'Paying', plan: 'pro' }),
    ])
    // The events are dated noon today: run once they have happened.
    const now = daysFrom(new Date(`${on}T12:00:00Z`), 0.01)
    await run(now)
    await run(now)
    const account = await db.query<{ csm_id: string }>(
      'SELECT csm_id FROM accounts WHERE tenant_id = $1',
      [tenantId],
    )
    const tasks = await tasksOf(db, tenantId)
    expect(tasks.map((task) => [task.template_key, task.title])).toEqual([
      ['welcome-call', 'Welcome call with Orderly'],
      ['admin-training', 'Admin training for Orderly'],
      ['first-feedback', 'First-month feedback from Orderly: bugs and requests'],
    ])
    for (const task of tasks) expect(task.assignee_id).toBe(account.rows[0]!.csm_id)
    expect(tasks[1]!.due_at.getTime() - Date.parse(`${on}T12:00:00Z`)).toBe(10 * 86_400_000)
    expect(await tasksOf(db, paying)).toEqual([])
  })
})

describe('when a stored playbook no longer validates', () => {
  it('skips it by name and runs the others', async () => {
    await db.query("INSERT INTO playbooks (id, name) VALUES ('broken', 'Broken')")
    await db.query(
      `INSERT INTO playbook_versions (playbook_id, version, definition, created_by)
       VALUES ('broken', 1, '{"id": "broken"}', 'test')`,
    )
    await db.query("UPDATE playbooks SET status = 'active', active_version = 1 WHERE id = 'broken'")
    const summary = await run()
    expect(summary.invalid).toEqual(['broken'])
    expect(summary.playbooks).toBeGreaterThanOrEqual(4)
    await db.query("UPDATE playbooks SET status = 'archived' WHERE id = 'broken'")
  })
})
