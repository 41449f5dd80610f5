import { addDays } from 'date-fns'
import { recordedOutcomes } from '../crm/outcomes.js'
import { type WorkedAlerts, workedAlerts } from '../crm/worked-alerts.js'
import { type ClickHouse, queryRows } from '../platform/clickhouse.js'
import type { Queryable } from '../platform/postgres.js'
import { loadSql } from '../platform/sql.js'
import { type BacktestReport, backtestReport } from './backtest-report.js'
import { evaluateRuleOverRange, utcDay } from './evaluate.js'
import { audienceOf, type Rule, type RuleModule } from './rule-schema.js'

export interface BacktestOptions {
  /** The first and last as-of days of the period (UTC), both included. */
  from: Date
  to: Date
  /** How long after a firing an outcome still counts as foretold. */
  horizonDays: number
  modules: readonly RuleModule[]
}

export type { BacktestReport }

/**
 * Runs a rule (stored or a draft) as of every day of a past period, point in time, and
 * scores it against the outcomes the CRM store recorded: three set-based queries (the
 * firings of every day at once, the outcomes, the population), never one per day.
 */
export async function backtestRule(
  deps: { ch: ClickHouse; db: Queryable },
  rule: Rule,
  options: BacktestOptions,
): Promise<BacktestReport & { ruleId: string; kind: Rule['kind']; workedAlerts?: WorkedAlerts }> {
  const from = utcDay(options.from)
  const to = utcDay(options.to)
  const until = utcDay(addDays(options.to, options.horizonDays))
  const plans = (rule.appliesTo.plans ?? []).map((p) => p.toLowerCase())
  const [firings, outcomes, population, worked] = await Promise.all([
    evaluateRuleOverRange(deps.ch, rule, {
      from: options.from,
      to: options.to,
      modules: options.modules,
    }),
    recordedOutcomes(deps.db, rule.kind, from, until),
    queryRows<{ population: string }>(deps.ch, loadSql('clickhouse/queries/backtest-population'), {
      from,
      to,
      lifecycle: audienceOf(rule),
      plans,
      anyPlan: plans.length === 0,
    }),
    // The alerts the live rule raised in the period, as the CRM store recorded them.
    rule.kind === 'churn'
      ? workedAlerts(deps.db, { ruleId: rule.id, from, to, horizonDays: options.horizonDays })
      : undefined,
  ])
  const report = backtestReport({
    firings,
    outcomes,
    population: Number(population[0]?.population ?? 0),
    from,
    to,
    horizonDays: options.horizonDays,
  })
  return {
    ruleId: rule.id,
    kind: rule.kind,
    ...report,
    ...(worked ? { workedAlerts: worked } : {}),
  }
}
