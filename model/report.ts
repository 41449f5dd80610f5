import { backtestReport } from '../rules/backtest-report.js'
import type { Example, TimeSplit } from './dataset.js'
import {
  brierScore,
  type CalibrationBin,
  calibrationTable,
  liftTopDecile,
  prAuc,
  rocAuc,
  type Scored,
} from './metrics.js'

/** How well one risk score did on the validation period, row and account figures. */
export interface QualityReport {
  name: string
  /** model: a probability; rule: fired or not; health: 100 minus the health score. */
  kind: 'model' | 'rule' | 'health'
  rows: number
  positiveRows: number
  auc: number | null
  prAuc: number | null
  /** Only for a probability. */
  brier: number | null
  liftTopDecile: number | null
  /** The score at or above which an account counts as flagged (rules: fired). */
  threshold: number | null
  /** Per account, as the rules' backtests count them (rules/backtest-report.ts). */
  accounts: number
  flaggedAccounts: number
  truePositives: number
  precision: number | null
  recall: number | null
  /**
   * Days from the first flag to the cancellation it foretold, median over the true
   * positives among the cancellations that had the whole horizon of validation days
   * before them: an earlier cancellation's lead is capped by the period's start.
   */
  medianLeadTimeDays: number | null
  leadTimeOutcomes: number
  calibration?: CalibrationBin[]
}

const DAY_MS = 86_400_000
const dayText = (n: number) => new Date(n * DAY_MS).toISOString().slice(0, 10)
const dayNumber = (d: string) => Math.round(Date.parse(`${d}T00:00:00Z`) / DAY_MS)
const round = (x: number | null, digits = 3) =>
  x === null ? null : Math.round(x * 10 ** digits) / 10 ** digits

/**
 * Scores one risk score on the validation rows: `scores[i]` belongs to `examples[i]`.
 * Accounts are flagged on the as-of days where the score reaches the threshold; the
 * cancellations are those of the examples' accounts from the period's start to a
 * horizon after its end.
 */
export function qualityReport(input: {
  name: string
  kind: QualityReport['kind']
  examples: readonly Example[]
  scores: readonly number[]
  threshold: number | null
  outcomes: ReadonlyMap<string, readonly number[]>
  split: TimeSplit
  calibration?: boolean
}): QualityReport {
  const { examples, scores, split } = input
  const rows: Scored[] = examples.map((e, i) => ({ score: scores[i]!, label: e.label }))
  const accounts = new Set(examples.map((e) => e.raw.tenantId))
  const from = dayNumber(split.validFrom)
  const to = dayNumber(split.validTo)
  const outcomeList = (since: number) =>
    [...input.outcomes].flatMap(([tenantId, days]) =>
      accounts.has(tenantId)
        ? days
            .filter((d) => d >= since && d <= to + split.horizonDays)
            .map((d) => ({ tenantId, day: dayText(d) }))
        : [],
    )
  const threshold = input.threshold
  const firings =
    threshold === null
      ? []
      : examples.flatMap((e, i) =>
          scores[i]! >= threshold ? [{ tenantId: e.raw.tenantId, asOf: e.raw.asOf }] : [],
        )
  const common = {
    firings,
    population: accounts.size,
    from: split.validFrom,
    to: split.validTo,
    horizonDays: split.horizonDays,
  }
  const all = backtestReport({ ...common, outcomes: outcomeList(from) })
  const fullHorizon = backtestReport({
    ...common,
    outcomes: outcomeList(from + split.horizonDays),
  })
  return {
    name: input.name,
    kind: input.kind,
    rows: rows.length,
    positiveRows: rows.filter((r) => r.label === 1).length,
    auc: round(rocAuc(rows)),
    prAuc: round(prAuc(rows)),
    brier: input.kind === 'model' ? round(brierScore(rows), 4) : null,
    liftTopDecile: round(liftTopDecile(rows), 2),
    threshold: round(threshold, 4),
    accounts: accounts.size,
    flaggedAccounts: all.firedAccounts,
    truePositives: all.confusion.truePositives,
    precision: all.precision,
    recall: all.recall,
    medianLeadTimeDays: fullHorizon.medianLeadTimeDays,
    leadTimeOutcomes: fullHorizon.confusion.truePositives + fullHorizon.confusion.falseNegatives,
    ...(input.calibration ? { calibration: calibrationTable(rows) } : {}),
  }
}
