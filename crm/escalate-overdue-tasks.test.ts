import { beforeAll, describe, expect, it } from 'vitest'
import { addAccount } from '../api/test-support.js'
import type { Db } from '../platform/postgres.js'
import { useTestPostgres } from '../test/postgres.js'
import { escalateOverdueTasks } from './escalate-overdue-tasks.js'
import { closeTask, insertTask, updateTask } from './tasks.js'
import { daysFrom } from './test-playbooks.js'

let db: Db
beforeAll(async () => {
  db = await useTestPostgres()
  await db.query(
    "INSERT INTO webhook_subscriptions (url, secret, event_types) VALUES ('https://hooks.invalid/t', 'whsec_dGVzdA==', '{task.overdue}')",
  )
})

const now = new Date()
const escalate = (at = now) => escalateOverdueTasks(db, { now: at, afterDays: 3 })

let seq = 0
async function taskDue(daysAgo: number) {
  const tenantId = `esc-${++seq}`
  await addAccount(db, tenantId, 'customer')
  const id = await db.transaction((tx) =>
    insertTask(
      tx,
      {
        tenantId,
        title: 'Call back',
        type: 'call',
        dueAt: daysFrom(now, -daysAgo),
        assigneeId: null,
      },
      { actor: 'user:key-1', at: daysFrom(now, -daysAgo - 1) },
    ),
  )
  return { tenantId, id: id! }
}

const outboxFor = async (taskId: string) =>
  (
    await db.query<{ event_type: string; payload: { data: Record<string, unknown> } }>(
      "SELECT event_type, payload FROM webhook_outbox WHERE payload->'data'->>'taskId' = $1",
      [taskId],
    )
  ).rows

describe('when an open task is overdue by TASK_OVERDUE_ESCALATE_DAYS', () => {
  it('escalates it once: one task.overdue webhook and one log row, however often it runs', async () => {
    const { tenantId, id } = await taskDue(4)
    const first = await escalate()
    expect(first.escalated).toBeGreaterThanOrEqual(1)
    await escalate()
    await escalate(daysFrom(now, 1))
    const sent = await outboxFor(id)
    expect(sent).toHaveLength(1)
    expect(sent[0]).toMatchObject({
      event_type: 'task.overdue',
      payload: { data: { taskId: id, tenantId, overdueDays: 4, title: 'Call back' } },
    })
    const log = await db.query<{ actor: string; action: string }>(
      "SELECT actor, action FROM activity_log WHERE tenant_id = $1 AND action = 'task_overdue'",
      [tenantId],
    )
    expect(log.rows).toEqual([{ actor: 'system', action: 'task_overdue' }])
  })

  it('leaves a task two days late, and a closed one, alone', async () => {
    const late = await taskDue(2)
    const closed = await taskDue(10)
    await db.transaction((tx) =>
      closeTask(
        tx,
        { id: closed.id, tenantId: closed.tenantId },
        { status: 'cancelled', outcome: null },
        { actor: 'user:key-1', at: now },
      ),
    )
    await escalate()
    expect(await outboxFor(late.id)).toEqual([])
    expect(await outboxFor(closed.id)).toEqual([])
  })

  it('escalates again after the due date was moved and missed once more', async () => {
    const { tenantId, id } = await taskDue(5)
    await escalate()
    await db.transaction((tx) =>
      updateTask(
        tx,
        { id, tenantId },
        { dueAt: daysFrom(now, 1) },
        { actor: 'user:key-1', at: now },
      ),
    )
    await escalate(daysFrom(now, 3))
    expect(await outboxFor(id)).toHaveLength(1)
    await escalate(daysFrom(now, 4))
    expect(await outboxFor(id)).toHaveLength(2)
  })
})
