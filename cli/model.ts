import { parseArgs } from 'node:util'
import { loadFeatures } from '../model/features.js'
import type { QualityReport } from '../model/report.js'
import { trainAndStore } from '../model/retrain.js'
import { assertFeatures, explainRow } from '../model/score.js'
import { activeModel, getModel, type StoredModel } from '../model/store.js'
import { churnBaselines } from '../model/train.js'
import type { Config } from '../platform/config.js'
import type { Logger } from '../platform/logger.js'
import { loadBuiltinRules } from '../rules/builtin.js'
import { startRuntime } from './runtime.js'

export const modelUsage = `Usage: tenantpulse model <train|evaluate|explain>
  model train [--horizon DAYS] [--validation-days N] [--no-activate]
        train a churn model on the earlier history, judge it on a later period it never
        saw beside the built-in churn rules and the health score; it goes live when it
        beats the active model (or, the first, every baseline) on PR-AUC
  model evaluate [--model ID]
        the quality report of the active model (or model ID), as stored with it
  model explain <tenantId> [--as-of YYYY-MM-DD] [--model ID]
        one customer's churn probability and the features that raised it`

const fail = (message: string): number => {
  process.stderr.write(`${message}\n`)
  return 1
}

export async function runModel(args: string[], config: Config, log: Logger): Promise<number> {
  const [action, ...rest] = args
  if (action === 'train') return train(rest, config, log)
  if (action === 'evaluate') return evaluate(rest, config, log)
  if (action === 'explain') return explain(rest, config, log)
  return fail(modelUsage)
}

async function train(args: string[], config: Config, log: Logger): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      horizon: { type: 'string' },
      'validation-days': { type: 'string' },
      'no-activate': { type: 'boolean' },
    },
  })
  const horizon = Number(values.horizon ?? config.MODEL_HORIZON_DAYS)
  if (!Number.isInteger(horizon) || horizon < 1 || horizon > 365)
    return fail('--horizon is a whole number of days, 1..365')
  const validationDays =
    values['validation-days'] === undefined ? undefined : Number(values['validation-days'])
  if (validationDays !== undefined && (!Number.isInteger(validationDays) || validationDays < 1))
    return fail('--validation-days is a whole number of days, 1 or more')
  const runtime = await startRuntime(config, log)
  try {
    const modules = runtime.catalogue.modules
    const stored = await trainAndStore(runtime, {
      horizonDays: horizon,
      validationDays,
      targetPrecision: config.MODEL_TARGET_PRECISION,
      modulesAvailable: modules.length,
      baselines: churnBaselines(loadBuiltinRules(modules)),
      modules,
      trainedBy: 'cli',
      activate: values['no-activate'] ? 'never' : 'if-better',
      onStep: (step) => process.stderr.write(`${step}\n`),
    })
    process.stdout.write(report(stored.model))
    process.stdout.write(
      `\nmodel ${stored.model.id}: ${stored.model.status}${stored.activated ? ' (now live)' : ''}; ${stored.model.statusReason}\n`,
    )
  } finally {
    await runtime.close()
  }
  return 0
}

async function pickModel(
  db: Parameters<typeof activeModel>[0],
  id: string | undefined,
): Promise<StoredModel | string> {
  if (id !== undefined) {
    const n = Number(id)
    if (!Number.isInteger(n) || n < 1) return '--model is a model id'
    return (await getModel(db, n)) ?? `no churn model ${n}`
  }
  return (await activeModel(db)) ?? 'no active churn model: train one with tenantpulse model train'
}

async function evaluate(args: string[], config: Config, log: Logger): Promise<number> {
  const { values } = parseArgs({ args, options: { model: { type: 'string' } } })
  const runtime = await startRuntime(config, log)
  try {
    const model = await pickModel(runtime.db, values.model)
    if (typeof model === 'string') return fail(model)
    process.stdout.write(report(model))
  } finally {
    await runtime.close()
  }
  return 0
}

async function explain(args: string[], config: Config, log: Logger): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { model: { type: 'string' }, 'as-of': { type: 'string' } },
  })
  const tenantId = positionals[0]
  if (!tenantId)
    return fail('usage: tenantpulse model explain <tenantId> [--as-of YYYY-MM-DD] [--model ID]')
  const asOf = values['as-of'] ?? new Date().toISOString().slice(0, 10)
  if (!/^\d{4}-\d{2}-\d{2}$/.test(asOf)) return fail('--as-of is a day, YYYY-MM-DD')
  const runtime = await startRuntime(config, log)
  try {
    const model = await pickModel(runtime.db, values.model)
    if (typeof model === 'string') return fail(model)
    assertFeatures(model)
    // Every customer of the day: some features compare the account with all of them.
    const rows = await loadFeatures(runtime.ch, {
      from: asOf,
      to: asOf,
      modulesAvailable: runtime.catalogue.modules.length,
    })
    const row = rows.find((r) => r.tenantId === tenantId)
    if (!row)
      return fail(`${tenantId} was not a customer as of ${asOf}: the model scores customers only`)
    const names = new Map(runtime.catalogue.modules.map((m) => [m.key, m.name]))
    const scored = explainRow(model, row, (key) => names.get(key) ?? key, 5)
    process.stdout.write(
      `${JSON.stringify({ tenantId, asOf, model: model.id, probability: round(scored.probability), atRisk: scored.probability >= model.threshold, threshold: model.threshold, reasons: scored.reasons }, null, 2)}\n`,
    )
  } finally {
    await runtime.close()
  }
  return 0
}

const round = (x: number) => Math.round(x * 1000) / 1000

/** The stored quality report as a table: the model, then its baselines. */
export function report(model: StoredModel): string {
  const m = model.metrics
  const n = (x: number | null | undefined, digits = 3) =>
    x === null || x === undefined ? '–' : x.toFixed(digits)
  const line = (r: QualityReport) =>
    [
      r.name.padEnd(24),
      n(r.auc).padStart(6),
      n(r.prAuc).padStart(6),
      n(r.brier, 4).padStart(7),
      n(r.liftTopDecile, 1).padStart(8),
      String(r.flaggedAccounts).padStart(7),
      n(r.precision).padStart(9),
      n(r.recall).padStart(6),
      n(r.medianLeadTimeDays, 0).padStart(6),
    ].join(' ')
  const header = `${'risk score'.padEnd(24)} ${'AUC'.padStart(6)} ${'PR-AUC'.padStart(6)} ${'Brier'.padStart(7)} ${'lift@10%'.padStart(8)} ${'flagged'.padStart(7)} ${'precision'.padStart(9)} ${'recall'.padStart(6)} ${'lead d'.padStart(6)}`
  return [
    `churn model ${model.id} (${model.status}), ${model.algorithm}, horizon ${model.horizonDays} days, trained by ${model.trainedBy} at ${model.trainedAt}`,
    `training as of ${model.trainFrom}..${model.trainTo} (${m.rows.training} rows, ${m.outcomes.training} cancelling accounts); validation as of ${model.validFrom}..${model.validTo} (${m.rows.validation} rows, ${m.outcomes.validation} cancelling accounts), unseen in training`,
    `operating threshold ${model.threshold.toFixed(3)} (chosen on training rows for account precision ${model.targetPrecision})`,
    '',
    header,
    '-'.repeat(header.length),
    line(m.model),
    ...(m.previous ? [line(m.previous)] : []),
    ...m.baselines.map(line),
    '',
    'calibration (validation rows): predicted → observed',
    ...(m.model.calibration ?? [])
      .filter((b) => b.rows > 0)
      .map(
        (b) =>
          `  ${b.from.toFixed(1)}–${b.to.toFixed(1)}  ${String(b.rows).padStart(7)} rows  mean ${n(b.meanPredicted)}  observed ${n(b.observedRate)}`,
      ),
    '',
  ].join('\n')
}
