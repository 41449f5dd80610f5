import type { Queryable } from '../platform/postgres.js'

export interface Outcome {
  tenantId: string
  /** YYYY-MM-DD (UTC). */
  day: string
}

/**
 * What happened, as the CRM store recorded it, for backtests: for ABM rules each
 * account's first order (the conversion a lead is for), for churn rules each move
 * into `churned` (a cancellation).
 */
export async function recordedOutcomes(
  db: Queryable,
  kind: 'abm' | 'churn',
  from: string,
  until: string,
): Promise<Outcome[]> {
  const sql =
    kind === 'abm'
      ? `SELECT tenant_id, to_char(first AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day
         FROM (SELECT tenant_id, min(ordered_at) AS first FROM orders GROUP BY tenant_id) o
         WHERE first >= $1::date AND first < $2::date + 1`
      : `SELECT tenant_id, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day
         FROM activity_log
         WHERE to_state = 'churned' AND from_state IS DISTINCT FROM 'churned'
           AND at >= $1::date AND at < $2::date + 1`
  const result = await db.query<{ tenant_id: string; day: string }>(sql, [from, until])
  return result.rows.map((r) => ({ tenantId: r.tenant_id, day: r.day }))
}
