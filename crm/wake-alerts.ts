import type { Db } from '../platform/postgres.js'
import { appendActivity } from './activity-log.js'

/**
 * Wakes the snoozed alerts whose time has come: snoozed → open (the state machine's
 * `wake`, which only the system takes, api/alert-state.ts), each with a row in the
 * account's activity log. One transaction; rows another run is waking are skipped, so
 * two workers never wake an alert twice.
 */
export async function wakeSnoozedAlerts(db: Db, now: Date): Promise<{ woken: number }> {
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<{
      id: string
      tenant_id: string
      rule_id: string
      snoozed_until: Date
    }>(
      // `due` keeps the snooze time: RETURNING sees the row after the update.
      `WITH due AS (
         SELECT id, snoozed_until FROM alerts
         WHERE status = 'snoozed' AND snoozed_until <= $1
         ORDER BY id FOR UPDATE SKIP LOCKED
       )
       UPDATE alerts a SET status = 'open', snoozed_until = NULL, updated_at = now()
       FROM due d WHERE a.id = d.id
       RETURNING a.id, a.tenant_id, a.rule_id, d.snoozed_until`,
      [now],
    )
    for (const row of rows) {
      await appendActivity(tx, {
        tenantId: row.tenant_id,
        actor: 'system',
        action: 'alert_woken',
        fromState: 'snoozed',
        toState: 'open',
        reason: `alert ${row.id} snoozed until ${row.snoozed_until.toISOString()}`,
        at: now,
        details: { alertId: row.id, ruleId: row.rule_id },
      })
    }
    return { woken: rows.length }
  })
}
