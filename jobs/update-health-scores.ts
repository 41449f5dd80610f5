import { defaultHealthWeights, type HealthWeights, healthScore } from '../crm/health-score.js'
import { type ClickHouse, queryRows, runCommand } from '../platform/clickhouse.js'
import type { Db } from '../platform/postgres.js'
import { jsonParam } from '../platform/postgres.js'
import { loadSql } from '../platform/sql.js'

interface UsageRow {
  tenant_id: string
  active_users: string
  active_users_before: string
  modules_used: string
  last_active_day: string
}

/**
 * Recomputes the health score of every customer: one ClickHouse query for all of them,
 * one Postgres statement to store the scores with their components on the accounts,
 * and one insert of the day's scores into ClickHouse, where rules read them.
 */
export async function updateHealthScores(
  deps: { ch: ClickHouse; db: Db },
  options: { asOf: Date; modulesAvailable: number; weights?: HealthWeights },
): Promise<{ scored: number }> {
  const customers = (
    await deps.db.query<{ tenant_id: string; seats: number | null; open_alerts: string }>(
      `SELECT a.tenant_id, a.seats,
         (SELECT count(*) FROM alerts al WHERE al.tenant_id = a.tenant_id AND al.status <> 'resolved') AS open_alerts
       FROM accounts a WHERE a.lifecycle = 'customer'`,
    )
  ).rows
  if (customers.length === 0) return { scored: 0 }
  const asOf = options.asOf.toISOString().slice(0, 10)
  const usage = new Map(
    (
      await queryRows<UsageRow>(deps.ch, loadSql('clickhouse/queries/health-inputs'), {
        asOf,
        tenants: customers.map((c) => c.tenant_id),
      })
    ).map((r) => [r.tenant_id, r]),
  )
  const day = Date.parse(`${asOf}T00:00:00Z`)
  const scores = customers.map((c) => {
    const u = usage.get(c.tenant_id)
    return {
      tenant: c.tenant_id,
      ...healthScore(
        {
          activeUsers: Number(u?.active_users ?? 0),
          activeUsersBefore: Number(u?.active_users_before ?? 0),
          modulesUsed: Number(u?.modules_used ?? 0),
          modulesAvailable: options.modulesAvailable,
          seats: c.seats,
          daysSinceActive: u
            ? Math.round((day - Date.parse(`${u.last_active_day}T00:00:00Z`)) / 86_400_000) - 1
            : null,
          openAlerts: Number(c.open_alerts),
        },
        options.weights ?? defaultHealthWeights,
      ),
    }
  })
  await deps.db.query(
    `UPDATE accounts a SET health_score = s.score, health_components = s.components::jsonb, updated_at = now()
     FROM unnest($1::text[], $2::int[], $3::text[]) AS s(tenant_id, score, components)
     WHERE a.tenant_id = s.tenant_id`,
    [
      scores.map((s) => s.tenant),
      scores.map((s) => s.score),
      scores.map((s) => jsonParam(s.components)),
    ],
  )
  // The history the rules read (health_score metric): ClickHouse keeps a row per day.
  await runCommand(
    deps.ch,
    `INSERT INTO {db:Identifier}.health_scores (tenant_id, day, score, computed_at)
     SELECT s.1, {day:Date}, s.2, now64(3)
     FROM (SELECT arrayJoin(arrayZip({tenants:Array(String)}, {scores:Array(Float64)})) AS s)`,
    { day: asOf, tenants: scores.map((s) => s.tenant), scores: scores.map((s) => s.score) },
  )
  return { scored: scores.length }
}
