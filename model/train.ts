import { addDays } from 'date-fns'
import { type ClickHouse, queryRows } from '../platform/clickhouse.js'
import type { Queryable } from '../platform/postgres.js'
import { evaluateRuleOverRange } from '../rules/evaluate.js'
import type { Rule, RuleModule } from '../rules/rule-schema.js'
import {
  cancellations,
  type Example,
  labelRows,
  MIN_TRAINING_OUTCOMES,
  positiveAccounts,
  type TimeSplit,
  TooFewOutcomesError,
  timeSplit,
} from './dataset.js'
import { FEATURES_VERSION, featureNames, featureVector, loadFeatures } from './features.js'
import {
  defaultFitOptions,
  type FitOptions,
  fitLogistic,
  type LogisticParams,
  predictLogistic,
} from './logistic.js'
import { accountScores, prAuc, type Scored, thresholdForPrecision } from './metrics.js'
import { type QualityReport, qualityReport } from './report.js'

export interface TrainOptions {
  horizonDays: number
  /** The last day of history to use (YYYY-MM-DD); default: the rollups' last day. */
  lastDay?: string
  validationDays?: number
  /** The account precision the operating threshold is chosen for, on training rows. */
  targetPrecision: number
  modulesAvailable: number
  /** The rules to compare with on the same validation rows (the built-in churn rules). */
  baselines: readonly Rule[]
  modules: readonly RuleModule[]
  fit?: FitOptions
  /** The fewest cancelling accounts in training; default MIN_TRAINING_OUTCOMES. */
  minOutcomes?: number
  /** Progress of the long steps, for a CLI or a job's log. */
  onStep?: (step: string) => void
}

export interface TrainResult {
  params: LogisticParams
  split: TimeSplit
  threshold: number
  targetPrecision: number
  /** The account precision the threshold had on training rows; below target when none reached it. */
  trainingPrecision: number | null
  /** Distinct accounts with a cancellation within the horizon, in each period. */
  outcomes: { training: number; validation: number }
  rows: { training: number; validation: number }
  model: QualityReport
  baselines: QualityReport[]
  seconds: { features: number; fit: number; baselines: number }
  /** The validation rows and the cancellations, to judge another model on them. */
  validation: Example[]
  /** This model's probability for each validation row, in `validation` order. */
  validationScores: number[]
  cancellations: Map<string, number[]>
}

/** The first and last day the daily rollup holds. */
export async function historySpan(ch: ClickHouse): Promise<{ first: string; last: string } | null> {
  const [row] = await queryRows<{ first: string; last: string; n: string }>(
    ch,
    'SELECT toString(min(day)) AS first, toString(max(day)) AS last, count() AS n FROM {db:Identifier}.daily_active_users',
  )
  return row && Number(row.n) > 0 ? { first: row.first, last: row.last } : null
}

const seconds = (started: number) => Math.round((performance.now() - started) / 10) / 100

/**
 * Trains the churn model on the earlier as-of days of the history and judges it, with
 * the built-in rules and the health score beside it, on a later period that training
 * never saw (dataset.ts). Refuses with TooFewOutcomesError when training holds fewer
 * than MIN_TRAINING_OUTCOMES cancelling accounts.
 */
export async function trainChurnModel(
  deps: { ch: ClickHouse; db: Queryable },
  options: TrainOptions,
): Promise<TrainResult> {
  const step = options.onStep ?? (() => {})
  const span = await historySpan(deps.ch)
  if (span === null) throw new TooFewOutcomesError(MIN_TRAINING_OUTCOMES, 0, '(no usage yet)')
  const lastDay = options.lastDay ?? span.last
  const split = timeSplit({
    firstDay: span.first,
    lastDay,
    horizonDays: options.horizonDays,
    validationDays: options.validationDays,
  })
  step(`features of every customer as of ${split.trainFrom}..${split.validTo}`)
  let started = performance.now()
  const [raw, outcomes] = await Promise.all([
    loadFeatures(deps.ch, {
      from: split.trainFrom,
      to: split.validTo,
      modulesAvailable: options.modulesAvailable,
    }),
    cancellations(
      deps.db,
      split.trainFrom,
      addDays(new Date(`${split.validTo}T00:00:00Z`), split.horizonDays)
        .toISOString()
        .slice(0, 10),
    ),
  ])
  const featureSeconds = seconds(started)
  const examples = labelRows(raw, outcomes, split.horizonDays)
  const training = examples.filter((e) => e.raw.asOf <= split.trainTo)
  const validation = examples.filter((e) => e.raw.asOf >= split.validFrom)
  const trainingOutcomes = positiveAccounts(training)
  const needed = options.minOutcomes ?? MIN_TRAINING_OUTCOMES
  if (trainingOutcomes < needed)
    throw new TooFewOutcomesError(needed, trainingOutcomes, `${split.trainFrom}..${split.trainTo}`)

  step(`fitting on ${training.length} rows (${trainingOutcomes} cancelling accounts)`)
  started = performance.now()
  const inputs = training.map((e) => featureVector(e.raw))
  const labels = training.map((e) => e.label)
  const fit = options.fit ?? { ...defaultFitOptions, l2: chooseL2(training, inputs, labels) }
  const params = {
    ...fitLogistic(featureNames, inputs, labels, fit),
    featuresVersion: FEATURES_VERSION,
  }
  const fitSeconds = seconds(started)
  const score = (e: Example) => predictLogistic(params, featureVector(e.raw))
  const trainingScores = training.map(score)
  // Chosen on training rows only: the validation figures then show what it is worth.
  const chosen = thresholdForPrecision(
    accountScores(
      training.map((e, i) => ({
        tenantId: e.raw.tenantId,
        score: trainingScores[i]!,
        label: e.label,
      })),
    ),
    options.targetPrecision,
  )
  const threshold = chosen?.threshold ?? 0.5
  const common = { examples: validation, outcomes, split }
  const validationScores = validation.map(score)
  const model = qualityReport({
    ...common,
    name: 'churn model',
    kind: 'model',
    scores: validationScores,
    threshold,
    calibration: true,
  })

  step(`baselines on the validation period ${split.validFrom}..${split.validTo}`)
  started = performance.now()
  const baselines = await baselineReports(deps.ch, validation, outcomes, split, options)
  return {
    params,
    split,
    threshold,
    targetPrecision: options.targetPrecision,
    trainingPrecision: chosen?.precision ?? null,
    outcomes: { training: trainingOutcomes, validation: positiveAccounts(validation) },
    rows: { training: training.length, validation: validation.length },
    model,
    baselines,
    seconds: { features: featureSeconds, fit: fitSeconds, baselines: seconds(started) },
    validation,
    validationScores,
    cancellations: outcomes,
  }
}

/** The penalties tried, strong to weak. */
export const L2_CANDIDATES = [0.01, 0.001, 0.0001] as const

/**
 * The L2 penalty by cross-validation inside the training period: three folds of whole
 * accounts (an account's rows are alike from day to day, so splitting them would let a
 * fold see its own rows), each penalty judged by the PR-AUC of the held-out folds'
 * rows. The validation period plays no part.
 */
export function chooseL2(
  training: readonly Example[],
  inputs: ReadonlyArray<ReadonlyArray<number | null>>,
  labels: ReadonlyArray<0 | 1>,
): number {
  const folds = 3
  const foldOf = (tenantId: string) => {
    let h = 0
    for (let i = 0; i < tenantId.length; i++) h = (h * 31 + tenantId.charCodeAt(i)) >>> 0
    return h % folds
  }
  const fold = training.map((e) => foldOf(e.raw.tenantId))
  let best: { l2: number; prAuc: number } | null = null
  for (const l2 of L2_CANDIDATES) {
    const held: Scored[] = []
    for (let f = 0; f < folds; f++) {
      const rows = inputs.filter((_, i) => fold[i] !== f)
      const ys = labels.filter((_, i) => fold[i] !== f)
      if (!ys.includes(1) || !ys.includes(0)) continue
      const p = fitLogistic(featureNames, rows, ys, { ...defaultFitOptions, l2 })
      inputs.forEach((row, i) => {
        if (fold[i] === f) held.push({ score: predictLogistic(p, row), label: labels[i]! })
      })
    }
    const score = prAuc(held) ?? 0
    if (best === null || score > best.prAuc) best = { l2, prAuc: score }
  }
  return best?.l2 ?? defaultFitOptions.l2
}

/** The rules a model is judged beside: the churn rules that do not read the model itself. */
export function churnBaselines(rules: readonly Rule[]): Rule[] {
  const readsModel = (rule: Rule) => JSON.stringify(rule.conditions).includes('"churn_risk"')
  return rules.filter((r) => r.kind === 'churn' && !readsModel(r))
}

/**
 * Every rule and the health score as risk scores on the same rows: a rule scores 1 on
 * the as-of days it fired, the health score 100 minus itself (lower health, more risk).
 */
export async function baselineReports(
  ch: ClickHouse,
  validation: readonly Example[],
  outcomes: ReadonlyMap<string, readonly number[]>,
  split: TimeSplit,
  options: { baselines: readonly Rule[]; modules: readonly RuleModule[] },
): Promise<QualityReport[]> {
  const common = { examples: validation, outcomes, split }
  const reports: QualityReport[] = []
  for (const rule of options.baselines) {
    const firings = await evaluateRuleOverRange(ch, rule, {
      from: new Date(`${split.validFrom}T00:00:00Z`),
      to: new Date(`${split.validTo}T00:00:00Z`),
      modules: options.modules,
    })
    const fired = new Set(firings.map((f) => `${f.tenantId} ${f.asOf}`))
    reports.push(
      qualityReport({
        ...common,
        name: rule.id,
        kind: 'rule',
        scores: validation.map((e) => (fired.has(`${e.raw.tenantId} ${e.raw.asOf}`) ? 1 : 0)),
        threshold: 1,
      }),
    )
  }
  const health = validation.map((e) => 100 - e.raw.healthScore)
  // The health score's flag: below 50, the middle of its scale (no job of ours uses one).
  reports.push(
    qualityReport({
      ...common,
      name: 'health score',
      kind: 'health',
      scores: health,
      threshold: 50,
    }),
  )
  return reports
}
