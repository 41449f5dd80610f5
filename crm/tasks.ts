import type { Queryable } from '../platform/postgres.js'
import { type Actor, appendActivity } from './activity-log.js'
import { withCrmErrors } from './errors.js'
import type { TaskType } from './playbook-schema.js'

// Tasks: follow-ups on an account, made by people (api/tasks-controller.ts) or by
// playbooks (create-playbook-tasks.ts). Every write here logs on the account, in the
// caller's transaction.

export type TaskStatus = 'open' | 'done' | 'cancelled'

export interface NewTask {
  tenantId: string
  title: string
  type: TaskType
  description?: string | undefined
  dueAt: Date
  assigneeId: string | null
  leadId?: string | undefined
  alertId?: string | undefined
  opportunityId?: string | undefined
  playbook?: { id: string; version: number; triggerKey: string; templateKey: string } | undefined
}

/**
 * Inserts a task and logs it; returns its id. A playbook's task that exists already
 * (same playbook, trigger instance and template: a second run or a second worker)
 * inserts nothing and returns undefined.
 */
export async function insertTask(
  tx: Queryable,
  task: NewTask,
  context: { actor: Actor; at: Date },
): Promise<string | undefined> {
  const { rows } = await withCrmErrors(() =>
    tx.query<{ id: string }>(
      `INSERT INTO tasks (tenant_id, title, type, description, due_at, assignee_id, lead_id,
         alert_id, opportunity_id, created_by, playbook_id, playbook_version, trigger_key, template_key)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
       ON CONFLICT ON CONSTRAINT tasks_playbook_once DO NOTHING RETURNING id`,
      [
        task.tenantId,
        task.title,
        task.type,
        task.description ?? null,
        task.dueAt,
        task.assigneeId,
        task.leadId ?? null,
        task.alertId ?? null,
        task.opportunityId ?? null,
        context.actor,
        task.playbook?.id ?? null,
        task.playbook?.version ?? null,
        task.playbook?.triggerKey ?? null,
        task.playbook?.templateKey ?? null,
      ],
    ),
  )
  const id = rows[0]?.id
  if (id === undefined) return undefined
  await appendActivity(tx, {
    tenantId: task.tenantId,
    actor: context.actor,
    action: 'task_created',
    fromState: null,
    toState: 'open',
    reason: `task ${id}: ${task.title}`,
    at: context.at,
    details: withoutUndefined({
      taskId: id,
      type: task.type,
      dueAt: task.dueAt.toISOString(),
      assigneeId: task.assigneeId,
      leadId: task.leadId,
      alertId: task.alertId,
      opportunityId: task.opportunityId,
      playbookId: task.playbook?.id,
      playbookVersion: task.playbook?.version,
      triggerKey: task.playbook?.triggerKey,
    }),
  })
  return id
}

export interface TaskChanges {
  title?: string | undefined
  type?: TaskType | undefined
  description?: string | null | undefined
  dueAt?: Date | undefined
  assigneeId?: string | null | undefined
}

/**
 * Changes an open task's fields; the caller has locked it. A new due date is a new
 * promise: the task may escalate (and notify) again when it is missed.
 */
export async function updateTask(
  tx: Queryable,
  task: { id: string; tenantId: string },
  changes: TaskChanges,
  context: { actor: Actor; at: Date },
): Promise<void> {
  const set = (name: keyof TaskChanges) => changes[name] !== undefined
  await withCrmErrors(() =>
    tx.query(
      `UPDATE tasks SET
         title = CASE WHEN $2 THEN $3 ELSE title END,
         type = CASE WHEN $4 THEN $5 ELSE type END,
         description = CASE WHEN $6 THEN $7 ELSE description END,
         due_at = CASE WHEN $8 THEN $9::timestamptz ELSE due_at END,
         escalated_at = CASE WHEN $8 THEN NULL ELSE escalated_at END,
         assignee_id = CASE WHEN $10 THEN $11::bigint ELSE assignee_id END,
         updated_at = now()
       WHERE id = $1`,
      [
        task.id,
        set('title'),
        changes.title ?? null,
        set('type'),
        changes.type ?? null,
        set('description'),
        changes.description ?? null,
        set('dueAt'),
        changes.dueAt ?? null,
        set('assigneeId'),
        changes.assigneeId ?? null,
      ],
    ),
  )
  const changed = Object.keys(changes).filter((k) => set(k as keyof TaskChanges))
  await appendActivity(tx, {
    tenantId: task.tenantId,
    actor: context.actor,
    action: 'task_updated',
    fromState: null,
    toState: null,
    reason: `task ${task.id}: ${changed.join(', ')} changed`,
    at: context.at,
    details: {
      taskId: task.id,
      ...Object.fromEntries(
        changed.map((k) => {
          const value = changes[k as keyof TaskChanges]
          return [k, value instanceof Date ? value.toISOString() : value]
        }),
      ),
    },
  })
}

/** Closes an open task as done (with what came of it) or cancelled (with why). */
export async function closeTask(
  tx: Queryable,
  task: { id: string; tenantId: string },
  close: { status: 'done' | 'cancelled'; outcome: string | null },
  context: { actor: Actor; at: Date },
): Promise<void> {
  await tx.query(
    `UPDATE tasks SET status = $2, outcome = $3,
       done_at = CASE WHEN $2 = 'done' THEN $4::timestamptz END,
       cancelled_at = CASE WHEN $2 = 'cancelled' THEN $4::timestamptz END,
       updated_at = now()
     WHERE id = $1 AND status = 'open'`,
    [task.id, close.status, close.outcome, context.at],
  )
  const done = close.status === 'done'
  await appendActivity(tx, {
    tenantId: task.tenantId,
    actor: context.actor,
    action: done ? 'task_completed' : 'task_cancelled',
    fromState: 'open',
    toState: close.status,
    reason: close.outcome ?? `task ${task.id} ${done ? 'done' : 'cancelled'}`,
    at: context.at,
    details: { taskId: task.id },
  })
}

function withoutUndefined(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined))
}

/**
 * The open tasks that keep an alert from being resolved: those of a playbook version
 * that says `requireTasksDoneToResolve`. Done or cancelled tasks never block.
 */
export async function tasksBlockingResolve(
  tx: Queryable,
  alertId: string,
): Promise<
  Array<{ id: string; title: string; dueAt: string; assigneeId: string | null; playbookId: string }>
> {
  const { rows } = await tx.query<{
    id: string
    title: string
    due_at: Date
    assignee_id: string | null
    playbook_id: string
  }>(
    `SELECT t.id, t.title, t.due_at, t.assignee_id, t.playbook_id FROM tasks t
     JOIN playbook_versions v ON v.playbook_id = t.playbook_id AND v.version = t.playbook_version
     WHERE t.alert_id = $1 AND t.status = 'open'
       AND coalesce((v.definition->>'requireTasksDoneToResolve')::boolean, false)
     ORDER BY t.due_at, t.id`,
    [alertId],
  )
  return rows.map((row) => ({
    id: row.id,
    title: row.title,
    dueAt: row.due_at.toISOString(),
    assigneeId: row.assignee_id,
    playbookId: row.playbook_id,
  }))
}
