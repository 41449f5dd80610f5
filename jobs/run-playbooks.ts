import { createPlaybookTasks } from '../crm/create-playbook-tasks.js'
import { escalateOverdueTasks } from '../crm/escalate-overdue-tasks.js'
import { parsePlaybook } from '../crm/playbook-schema.js'
import { findTriggerInstances } from '../crm/playbook-triggers.js'
import { activePlaybooks } from '../crm/playbooks-store.js'
import type { Db } from '../platform/postgres.js'

export interface RunPlaybooksOptions {
  now: Date
  /** TASK_OVERDUE_ESCALATE_DAYS: an open task this many days past due escalates. */
  escalateAfterDays: number
  /** Occurrences per playbook per run; the next run takes the rest. */
  batch?: number
}

export interface RunPlaybooksSummary {
  playbooks: number
  /** Active playbooks whose stored version no longer validates: skipped, by id. */
  invalid: string[]
  /** Tasks created, by playbook id. */
  created: Record<string, number>
  escalated: number
  webhooks: number
}

/**
 * The playbooks job: every active playbook's new trigger occurrences become its tasks,
 * then overdue tasks escalate. It reads all it needs from Postgres and writes through
 * idempotent steps, so any number of runs, at once or one after another, converge on
 * the same tasks (crm/create-playbook-tasks.ts).
 */
export async function runPlaybooks(
  deps: { db: Db },
  options: RunPlaybooksOptions,
  signal?: AbortSignal,
): Promise<RunPlaybooksSummary> {
  const { db } = deps
  const summary: RunPlaybooksSummary = {
    playbooks: 0,
    invalid: [],
    created: {},
    escalated: 0,
    webhooks: 0,
  }
  for (const stored of await activePlaybooks(db)) {
    const parsed = parsePlaybook(stored.definition)
    if (!parsed.ok) {
      summary.invalid.push(stored.id)
      continue
    }
    summary.playbooks++
    const playbook = { id: stored.id, version: stored.version, definition: parsed.playbook }
    const instances = await findTriggerInstances(db, stored.id, parsed.playbook, {
      now: options.now,
      limit: options.batch ?? 500,
    })
    for (const instance of instances) {
      // Stopping between occurrences loses nothing: each one commits whole.
      if (signal?.aborted) return summary
      const n = await createPlaybookTasks(db, playbook, instance, options.now)
      if (n > 0) summary.created[stored.id] = (summary.created[stored.id] ?? 0) + n
    }
  }
  const escalation = await escalateOverdueTasks(db, {
    now: options.now,
    afterDays: options.escalateAfterDays,
  })
  summary.escalated = escalation.escalated
  summary.webhooks = escalation.webhooks
  return summary
}
