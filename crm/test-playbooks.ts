import type { Db, Queryable } from '../platform/postgres.js'
import { parsePlaybook } from './playbook-schema.js'
import { activatePlaybook, addPlaybookVersion } from './playbooks-store.js'

/** Test fixtures: playbooks stored and active, and the tasks of an account. */
export async function addActivePlaybook(
  db: Db,
  document: Record<string, unknown>,
): Promise<number> {
  const parsed = parsePlaybook(document)
  if (!parsed.ok) throw new Error(`test playbook invalid: ${JSON.stringify(parsed.issues)}`)
  const version = await addPlaybookVersion(db, parsed.playbook, 'test')
  await activatePlaybook(db, parsed.playbook.id, version)
  return version
}

export interface TaskFacts {
  id: string
  title: string
  type: string
  status: string
  assignee_id: string | null
  due_at: Date
  alert_id: string | null
  lead_id: string | null
  opportunity_id: string | null
  playbook_id: string | null
  trigger_key: string | null
  template_key: string | null
}

export async function tasksOf(db: Queryable, tenantId: string): Promise<TaskFacts[]> {
  const { rows } = await db.query<TaskFacts>(
    `SELECT id, title, type, status, assignee_id, due_at, alert_id, lead_id, opportunity_id,
       playbook_id, trigger_key, template_key
     FROM tasks WHERE tenant_id = $1 ORDER BY id`,
    [tenantId],
  )
  return rows
}

export const daysFrom = (date: Date, days: number) => new Date(date.getTime() + days * 86_400_000)
