import type { Tx } from '../platform/postgres.js'
import { lockAccount } from './accounts.js'
import { type Playbook, renderTitle } from './playbook-schema.js'
import type { TriggerInstance } from './playbook-triggers.js'
import { resolveAssignee } from './task-assignment.js'
import { insertTask } from './tasks.js'

const DAY_MS = 86_400_000

interface Transactional {
  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T>
}

/**
 * Creates a playbook's tasks for one occurrence of its trigger, all or none, in one
 * transaction; returns how many. The account is locked first (the order every account
 * change takes), so a second run or a second worker on the same occurrence waits here
 * and then finds the tasks: a trigger runs a playbook once, and a version activated
 * since adds nothing to an occurrence already acted on. The unique key on (playbook,
 * trigger, template) holds even if that check were bypassed.
 *
 * A task is due `dueInDays` after the trigger, and never before it is created: one
 * created late (the job was down, a new playbook's lookback) is not born overdue.
 */
export async function createPlaybookTasks(
  db: Transactional,
  playbook: { id: string; version: number; definition: Playbook },
  instance: TriggerInstance,
  now: Date,
): Promise<number> {
  return db.transaction(async (tx) => {
    const account = await lockAccount(tx, instance.tenantId)
    if (!account) return 0
    const acted = await tx.query(
      'SELECT 1 FROM tasks WHERE playbook_id = $1 AND trigger_key = $2 LIMIT 1',
      [playbook.id, instance.key],
    )
    if (acted.rowCount > 0) return 0
    const values = {
      account: account.name || account.tenantId,
      tenantId: account.tenantId,
      ...instance.values,
    }
    let created = 0
    for (const template of playbook.definition.tasks) {
      const assigneeId = await resolveAssignee(tx, template.assignee, {
        account,
        leadOwnerId: instance.leadOwnerId,
      })
      const due = Math.max(instance.at.getTime() + template.dueInDays * DAY_MS, now.getTime())
      const id = await insertTask(
        tx,
        {
          tenantId: account.tenantId,
          title: renderTitle(template.title, values),
          type: template.type,
          description: template.description,
          dueAt: new Date(due),
          assigneeId,
          leadId: instance.leadId,
          alertId: instance.alertId,
          opportunityId: instance.opportunityId,
          playbook: {
            id: playbook.id,
            version: playbook.version,
            triggerKey: instance.key,
            templateKey: template.key,
          },
        },
        { actor: `playbook:${playbook.id}`, at: now },
      )
      if (id !== undefined) created++
    }
    return created
  })
}
