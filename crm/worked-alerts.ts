import type { Queryable } from '../platform/postgres.js'

export interface WorkedAlerts {
  /** Alerts of the rule opened in the period that got playbook tasks. */
  withTasks: number
  /** Of those, alerts whose playbook tasks were all done (none open, none cancelled). */
  worked: number
  /** Of the worked ones, alerts whose account still cancelled within the horizon. */
  churnedAfter: number
}

/**
 * How often working an alert through its playbook still ended in a cancellation: over
 * the alerts of one rule opened from `from` to `to` (UTC days, both included), those
 * whose playbook tasks were all done, and how many of their accounts moved to churned
 * within `horizonDays` of the alert opening. Counted per alert, from what the CRM store
 * recorded; a cancellation before the work was finished counts too, since the horizon
 * starts at the alert.
 */
export async function workedAlerts(
  db: Queryable,
  input: { ruleId: string; from: string; to: string; horizonDays: number },
): Promise<WorkedAlerts> {
  const { rows } = await db.query<{ with_tasks: number; worked: number; churned_after: number }>(
    `WITH a AS (
       SELECT al.id, al.tenant_id, al.opened_at, count(*) AS tasks,
         count(*) FILTER (WHERE t.status = 'done') AS done
       FROM alerts al JOIN tasks t ON t.alert_id = al.id AND t.playbook_id IS NOT NULL
       WHERE al.rule_id = $1 AND al.opened_at >= $2::date AND al.opened_at < $3::date + 1
       GROUP BY al.id, al.tenant_id, al.opened_at
     )
     SELECT count(*)::int AS with_tasks,
       count(*) FILTER (WHERE a.done = a.tasks)::int AS worked,
       count(*) FILTER (WHERE a.done = a.tasks AND EXISTS (
         SELECT 1 FROM activity_log l
         WHERE l.tenant_id = a.tenant_id AND l.to_state = 'churned'
           AND l.from_state IS DISTINCT FROM 'churned'
           AND l.at >= a.opened_at AND l.at < a.opened_at + make_interval(days => $4::int)
       ))::int AS churned_after
     FROM a`,
    [input.ruleId, input.from, input.to, input.horizonDays],
  )
  const row = rows[0]!
  return { withTasks: row.with_tasks, worked: row.worked, churnedAfter: row.churned_after }
}
