import type { Tx } from '../platform/postgres.js'
import { lockAccount } from './accounts.js'
import { appendActivity } from './activity-log.js'
import { enqueueWebhooks } from './enqueue-webhooks.js'

const DAY_MS = 86_400_000

interface Transactional {
  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T>
}

/**
 * Escalates the open tasks overdue by `afterDays` or more: each is marked once
 * (escalated_at), logged on its account and sent as a `task.overdue` webhook. The
 * account's raised priority needs no write: views compute it from the same rule
 * (api/tasks-store.ts). One transaction per task, account locked first like every
 * account change, so two workers escalate a task once and never deadlock with a person
 * editing it.
 */
export async function escalateOverdueTasks(
  db: Transactional & { query: Tx['query'] },
  options: { now: Date; afterDays: number; limit?: number },
): Promise<{ escalated: number; webhooks: number }> {
  const cutoff = new Date(options.now.getTime() - options.afterDays * DAY_MS)
  const { rows: due } = await db.query<{ id: string; tenant_id: string }>(
    `SELECT id, tenant_id FROM tasks
     WHERE status = 'open' AND escalated_at IS NULL AND due_at <= $1
     ORDER BY due_at, id LIMIT $2`,
    [cutoff, options.limit ?? 1000],
  )
  let escalated = 0
  let webhooks = 0
  for (const candidate of due) {
    const sent = await db.transaction(async (tx) => {
      await lockAccount(tx, candidate.tenant_id)
      const { rows } = await tx.query<{
        id: string
        title: string
        type: string
        due_at: Date
        assignee_id: string | null
        alert_id: string | null
        lead_id: string | null
        playbook_id: string | null
      }>(
        `UPDATE tasks SET escalated_at = $2, updated_at = now()
         WHERE id = $1 AND status = 'open' AND escalated_at IS NULL AND due_at <= $3
         RETURNING id, title, type, due_at, assignee_id, alert_id, lead_id, playbook_id`,
        [candidate.id, options.now, cutoff],
      )
      const task = rows[0]
      if (!task) return undefined
      const overdueDays = Math.floor((options.now.getTime() - task.due_at.getTime()) / DAY_MS)
      await appendActivity(tx, {
        tenantId: candidate.tenant_id,
        actor: 'system',
        action: 'task_overdue',
        fromState: null,
        toState: null,
        reason: `task ${task.id} overdue by ${overdueDays} days: ${task.title}`,
        at: options.now,
        details: { taskId: task.id, overdueDays, assigneeId: task.assignee_id },
      })
      return enqueueWebhooks(tx, 'task.overdue', {
        taskId: task.id,
        tenantId: candidate.tenant_id,
        title: task.title,
        type: task.type,
        dueAt: task.due_at.toISOString(),
        overdueDays,
        assigneeId: task.assignee_id,
        alertId: task.alert_id,
        leadId: task.lead_id,
        playbookId: task.playbook_id,
      })
    })
    if (sent === undefined) continue
    escalated++
    webhooks += sent
  }
  return { escalated, webhooks }
}
