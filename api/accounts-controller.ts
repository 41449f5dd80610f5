import type { Lifecycle } from '../crm/lifecycle.js'
import { type ClickHouse, queryRows } from '../platform/clickhouse.js'
import { AppError } from '../platform/errors.js'
import type { Db, Queryable } from '../platform/postgres.js'
import { loadSql } from '../platform/sql.js'
import { visibleTo } from './account-visibility.js'
import type { Usage, UsageQuery } from './accounts-schemas.js'
import { unresolvedAlertsOf } from './alerts-store.js'
import type { ApiKeyIdentity } from './api-keys.js'
import { forbidden } from './auth.js'
import { iso, isoOrNull } from './schemas.js'
import { accountTasks, type TaskClock } from './tasks-store.js'

// A year and a bit: enough for a renewal review, small enough to stay one quick query.
const maxUsageDays = 400
const dayMs = 86_400_000

interface AccountRow {
  tenant_id: string
  name: string
  plan: string
  seats: number | null
  mrr: string | null
  lifecycle: Lifecycle
  owner_team: 'sales' | 'cs'
  owner_id: string | null
  csm_id: string | null
  health_score: number | null
  health_components: Record<string, unknown>
  churn_risk: number | null
  churn_reasons: Array<{
    feature: string
    value: number | null
    contribution: number
    text: string
  }>
  churn_model_id: string | null
  churn_scored_at: Date | null
  traits_at: Date | null
  created_at: Date
  updated_at: Date
}

async function visibleAccount(db: Queryable, who: ApiKeyIdentity, tenantId: string) {
  const { rows } = await db.query<AccountRow>('SELECT * FROM accounts WHERE tenant_id = $1', [
    tenantId,
  ])
  const row = rows[0]
  if (!row) throw new AppError('NOT_FOUND', `no account for tenant ${tenantId}`)
  if (!visibleTo[who.role].includes(row.lifecycle)) {
    throw forbidden(
      `account ${tenantId} is a ${row.lifecycle}; a ${who.role} key sees ${visibleTo[who.role].join(', ') || 'no accounts'}`,
    )
  }
  return row
}

export const accountsController = {
  async view(db: Db, who: ApiKeyIdentity, tenantId: string, clock: TaskClock) {
    const row = await visibleAccount(db, who, tenantId)
    const history = await db.query<{
      id: string
      actor: string
      action: string
      from_state: string | null
      to_state: string | null
      reason: string
      details: unknown
      at: Date
    }>(
      `SELECT id, actor, action, from_state, to_state, reason, details, at FROM activity_log
       WHERE tenant_id = $1 ORDER BY id DESC LIMIT 200`,
      [tenantId],
    )
    const signals = await db.query<{
      id: string
      rule_id: string
      rule_version: number
      lead_id: string | null
      evidence: unknown
      fired_at: Date
    }>(
      `SELECT id, rule_id, rule_version, lead_id, evidence, fired_at FROM intent_signals
       WHERE tenant_id = $1 ORDER BY fired_at DESC, id DESC LIMIT 100`,
      [tenantId],
    )
    return {
      account: {
        tenantId: row.tenant_id,
        name: row.name,
        plan: row.plan,
        seats: row.seats,
        mrr: row.mrr,
        lifecycle: row.lifecycle,
        ownerTeam: row.owner_team,
        ownerId: row.owner_id,
        csmId: row.csm_id,
        health: { score: row.health_score, components: row.health_components },
        churnRisk:
          row.churn_risk === null
            ? null
            : {
                probability: row.churn_risk,
                reasons: row.churn_reasons,
                modelId: row.churn_model_id === null ? null : String(row.churn_model_id),
                scoredAt: isoOrNull(row.churn_scored_at),
              },
        traitsAt: isoOrNull(row.traits_at),
        createdAt: iso(row.created_at),
        updatedAt: iso(row.updated_at),
      },
      history: history.rows.map((entry) => ({
        id: entry.id,
        actor: entry.actor,
        action: entry.action,
        fromState: entry.from_state,
        toState: entry.to_state,
        reason: entry.reason,
        details: entry.details,
        at: iso(entry.at),
      })),
      openAlerts: await unresolvedAlertsOf(db, tenantId),
      intentSignals: signals.rows.map((signal) => ({
        id: signal.id,
        ruleId: signal.rule_id,
        ruleVersion: signal.rule_version,
        leadId: signal.lead_id,
        evidence: signal.evidence,
        firedAt: iso(signal.fired_at),
      })),
      ...(await accountTasks(db, tenantId, clock)),
    }
  },

  /** Daily usage from the ClickHouse rollup; the account is checked in Postgres first. */
  async usage(
    deps: { db: Db; ch: ClickHouse },
    who: ApiKeyIdentity,
    tenantId: string,
    query: UsageQuery,
    now = new Date(),
  ): Promise<Usage> {
    await visibleAccount(deps.db, who, tenantId)
    const to = query.to ?? now.toISOString().slice(0, 10)
    const from = query.from ?? new Date(Date.parse(to) - 29 * dayMs).toISOString().slice(0, 10)
    if (from > to) throw new AppError('BAD_REQUEST', 'from must not be after to', { from, to })
    if ((Date.parse(to) - Date.parse(from)) / dayMs + 1 > maxUsageDays) {
      throw new AppError('BAD_REQUEST', `at most ${maxUsageDays} days at a time`, { from, to })
    }
    const rows = await queryRows<{
      day_text: string
      module: string
      kind: string
      is_total: number | boolean
      events: string
      active_users: string
    }>(deps.ch, loadSql('clickhouse/queries/account-usage'), { tenantId, from, to })
    const days: Usage['days'] = []
    for (const row of rows) {
      // Counts arrive as UInt64 text; a day's figures are far below 2^53.
      const figures = { events: Number(row.events), activeUsers: Number(row.active_users) }
      if (Number(row.is_total)) days.push({ day: row.day_text, ...figures, modules: [] })
      else days.at(-1)?.modules.push({ module: row.module, kind: row.kind, ...figures })
    }
    return { tenantId, from, to, days }
  },
}
