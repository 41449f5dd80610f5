import { z } from 'zod'
import type { Lifecycle } from '../crm/lifecycle.js'
import type { TaskType } from '../crm/playbook-schema.js'
import type { TaskStatus } from '../crm/tasks.js'
import { Conditions, type Queryable } from '../platform/postgres.js'
import { visibleTo } from './account-visibility.js'
import type { ApiKeyIdentity } from './api-keys.js'
import { decodeCursor, idText, toPage } from './cursor.js'
import { iso, isoOrNull } from './schemas.js'
import type { ListTasksQuery, Task } from './tasks-schemas.js'

/** "Now" and TASK_OVERDUE_ESCALATE_DAYS: what overdue, escalated and priority are read against. */
export interface TaskClock {
  now: Date
  escalateDays: number
}

interface TaskRow {
  id: string
  tenant_id: string
  account_name: string
  lifecycle: Lifecycle
  title: string
  type: TaskType
  description: string | null
  status: TaskStatus
  outcome: string | null
  due_at: Date
  assignee_id: string | null
  lead_id: string | null
  alert_id: string | null
  opportunity_id: string | null
  playbook_id: string | null
  playbook_version: number | null
  trigger_key: string | null
  created_by: string
  created_at: Date
  updated_at: Date
  done_at: Date | null
  cancelled_at: Date | null
  due_key: string
  overdue_days: number | null
  escalated: boolean
  raised: boolean
}

export function toTask(row: TaskRow): Task {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    accountName: row.account_name,
    lifecycle: row.lifecycle,
    title: row.title,
    type: row.type,
    description: row.description,
    status: row.status,
    outcome: row.outcome,
    dueAt: iso(row.due_at),
    assigneeId: row.assignee_id,
    leadId: row.lead_id,
    alertId: row.alert_id,
    opportunityId: row.opportunity_id,
    playbook:
      row.playbook_id && row.playbook_version !== null && row.trigger_key
        ? { id: row.playbook_id, version: row.playbook_version, triggerKey: row.trigger_key }
        : null,
    createdBy: row.created_by,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
    doneAt: isoOrNull(row.done_at),
    cancelledAt: isoOrNull(row.cancelled_at),
    overdueDays: row.overdue_days,
    escalated: row.escalated,
    accountPriority: row.raised ? 'raised' : 'normal',
  }
}

/**
 * The task columns with what is read against the clock: whole days overdue, whether
 * the task is escalated, and whether its account's priority is raised (any of its
 * open tasks escalated). Computed, not stored, so a view never lags the job.
 */
function selectTasks(q: Conditions, clock: TaskClock): string {
  const now = `${q.bind(clock.now)}::timestamptz`
  const cutoff = `${q.bind(new Date(clock.now.getTime() - clock.escalateDays * 86_400_000))}::timestamptz`
  return `SELECT t.id, t.tenant_id, a.name AS account_name, a.lifecycle, t.title, t.type,
      t.description, t.status, t.outcome, t.due_at, t.assignee_id, t.lead_id, t.alert_id,
      t.opportunity_id, t.playbook_id, t.playbook_version, t.trigger_key, t.created_by,
      t.created_at, t.updated_at, t.done_at, t.cancelled_at,
      to_char(t.due_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS due_key,
      CASE WHEN t.status = 'open' AND t.due_at < ${now}
        THEN floor(extract(epoch FROM ${now} - t.due_at) / 86400)::int END AS overdue_days,
      (t.status = 'open' AND t.due_at <= ${cutoff}) AS escalated,
      EXISTS (SELECT 1 FROM tasks o WHERE o.tenant_id = t.tenant_id AND o.status = 'open'
              AND o.due_at <= ${cutoff}) AS raised
    FROM tasks t JOIN accounts a ON a.tenant_id = t.tenant_id
    LEFT JOIN leads l ON l.id = t.lead_id`
}

/**
 * A task is seen by whoever sees its account (account-visibility.ts); a sales key that
 * speaks for a user also sees the tasks of that user's leads, after the account has
 * moved on to customer success.
 */
function visibleCondition(q: Conditions, who: ApiKeyIdentity): string | undefined {
  if (who.role === 'admin') return undefined
  const stages = `a.lifecycle = ANY(${q.bind([...visibleTo[who.role]])}::text[])`
  if (who.role === 'sales' && who.userId !== null)
    return `(${stages} OR l.owner_id = ${q.bind(who.userId)}::bigint)`
  return stages
}

// Soonest due first; id breaks ties, so the order is total and (due, id) names one
// position in it. The due time travels as Postgres text: microseconds survive.
const taskCursor = z.object({ d: z.iso.datetime(), i: idText })

export async function listTasks(
  db: Queryable,
  who: ApiKeyIdentity,
  query: ListTasksQuery & { assignee?: string | undefined },
  clock: TaskClock,
) {
  const q = new Conditions()
  const select = selectTasks(q, clock)
  const visible = visibleCondition(q, who)
  if (visible) q.and(visible)
  if (query.assignee) q.and(`t.assignee_id = ${q.bind(query.assignee)}::bigint`)
  if (query.tenant) q.and(`t.tenant_id = ${q.bind(query.tenant)}`)
  if (query.status) q.and(`t.status = ${q.bind(query.status)}`)
  if (query.overdue !== undefined) {
    const overdue = `(t.status = 'open' AND t.due_at < ${q.bind(clock.now)}::timestamptz)`
    q.and(query.overdue ? overdue : `NOT ${overdue}`)
  }
  if (query.dueBefore) q.and(`t.due_at < ${q.bind(query.dueBefore)}::timestamptz`)
  if (query.alert) q.and(`t.alert_id = ${q.bind(query.alert)}::bigint`)
  if (query.lead) q.and(`t.lead_id = ${q.bind(query.lead)}::bigint`)
  if (query.type) q.and(`t.type = ${q.bind(query.type)}`)
  if (query.playbook) q.and(`t.playbook_id = ${q.bind(query.playbook)}`)
  if (query.cursor) {
    const after = decodeCursor(query.cursor, taskCursor)
    q.and(`(t.due_at, t.id) > (${q.bind(after.d)}::timestamptz, ${q.bind(after.i)}::bigint)`)
  }
  const { rows } = await db.query<TaskRow>(
    `${select} ${q.sql} ORDER BY t.due_at, t.id LIMIT ${q.bind(query.limit + 1)}`,
    q.params,
  )
  return toPage(rows, query.limit, toTask, (row) => ({ d: row.due_key, i: row.id }))
}

/** One task, if the caller may see it; `lock` also locks its row (lock the account first). */
export async function getTask(
  db: Queryable,
  id: string,
  clock: TaskClock,
  options: { who?: ApiKeyIdentity; lock?: boolean } = {},
): Promise<Task | undefined> {
  const q = new Conditions()
  const select = selectTasks(q, clock)
  q.and(`t.id = ${q.bind(id)}::bigint`)
  const visible = options.who && visibleCondition(q, options.who)
  if (visible) q.and(visible)
  const { rows } = await db.query<TaskRow>(
    `${select} ${q.sql} ${options.lock ? 'FOR UPDATE OF t' : ''}`,
    q.params,
  )
  return rows[0] && toTask(rows[0])
}

/** An account's open tasks, soonest first (the first 100), and whether they raise its priority. */
export async function accountTasks(db: Queryable, tenantId: string, clock: TaskClock) {
  const q = new Conditions()
  const select = selectTasks(q, clock)
  q.and(`t.tenant_id = ${q.bind(tenantId)}`)
  q.and(`t.status = 'open'`)
  const { rows } = await db.query<TaskRow>(
    `${select} ${q.sql} ORDER BY t.due_at, t.id LIMIT 100`,
    q.params,
  )
  // Every row carries the account's priority; an account without open tasks has none raised.
  const raised = rows[0]?.raised ?? false
  return {
    priority: raised ? ('raised' as const) : ('normal' as const),
    openTasks: rows.map(toTask),
  }
}
