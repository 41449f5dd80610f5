import type { Queryable } from '../platform/postgres.js'
import type { Account } from './accounts.js'
import type { AssigneeRule } from './playbook-schema.js'

// Held to the end of the assigning transaction, so that two workers filling a team's
// tasks at once never both pick the same least-loaded person.
const TASK_ASSIGNMENT_LOCK_KEY = '7461706c73650003'

/**
 * The active user of a team (a role) with the fewest open tasks, ties by id: over many
 * tasks a round-robin that evens out as people join, leave or close their tasks.
 */
export async function pickLeastLoaded(
  tx: Queryable,
  role: 'csm' | 'sales',
): Promise<string | null> {
  await tx.query(`SELECT pg_advisory_xact_lock(x'${TASK_ASSIGNMENT_LOCK_KEY}'::bigint)`)
  const { rows } = await tx.query<{ id: string }>(
    `SELECT u.id FROM users u
     LEFT JOIN tasks t ON t.assignee_id = u.id AND t.status = 'open'
     WHERE u.role = $1 AND u.active
     GROUP BY u.id ORDER BY count(t.id), u.id LIMIT 1`,
    [role],
  )
  return rows[0]?.id ?? null
}

async function activeUser(tx: Queryable, id: string | null): Promise<string | null> {
  if (id === null) return null
  const { rowCount } = await tx.query('SELECT 1 FROM users WHERE id = $1 AND active', [id])
  return rowCount === 1 ? id : null
}

/**
 * Who a playbook's task goes to. A rule that names nobody who still works here (no
 * CSM yet, a lead without owner, someone who left) falls back to the round-robin of
 * the team that owns the account, so that no playbook task is left unassigned while
 * anyone could take it.
 */
export async function resolveAssignee(
  tx: Queryable,
  rule: AssigneeRule,
  context: { account: Account; leadOwnerId?: string | null | undefined },
): Promise<string | null> {
  let named: string | null = null
  if (rule === 'account_csm') named = await activeUser(tx, context.account.csmId)
  else if (rule === 'account_owner') named = await activeUser(tx, context.account.ownerId)
  else if (rule === 'lead_owner') named = await activeUser(tx, context.leadOwnerId ?? null)
  else return pickLeastLoaded(tx, rule.roundRobin)
  return named ?? pickLeastLoaded(tx, context.account.ownerTeam === 'cs' ? 'csm' : 'sales')
}
