import path from 'node:path'
import { loadModuleCatalogue } from '../ingest/module-catalogue.js'
import type { QualityReport } from '../model/report.js'
import { scoreCustomers } from '../model/score.js'
import { activateModel, insertModel } from '../model/store.js'
import { churnBaselines, trainChurnModel } from '../model/train.js'
import type { Config } from '../platform/config.js'
import { loadBuiltinRules } from '../rules/builtin.js'
import {
  fmt,
  loadAverage,
  machine,
  openBenchCrm,
  openBenchWorld,
  parseWorldArgs,
  peakRss,
  settleMerges,
  type WorldPreset,
} from './bench-world.js'
import { bestPrecisionAtRecall, hiddenDeclineScores } from './world-ceiling.js'

// The world of bench:backtest: 10,000 tenants × 180 days, the small preset's users.
const preset: WorldPreset = { scale: 'small', tenants: 10_000, days: 180, start: '2025-01-06' }
const HORIZON_DAYS = 30
const TARGET_PRECISION = 0.7
const goals = {
  auc: 0.85,
  precision: 0.7,
  recall: 0.6,
  leadDays: 21,
  trainSeconds: 60,
  scoreSeconds: 2,
}

/**
 * bench:model — trains the churn model on the earlier part of the simulated history,
 * judges it on a later period training never saw, beside every built-in churn rule and
 * the health score on the same rows, then scores all customers for one day.
 */
export async function benchModel(args: string[], config: Config): Promise<number> {
  const options = parseWorldArgs(args, preset)
  console.log(`bench:model on ${machine()}; at start: ${loadAverage()}`)
  const world = await openBenchWorld(options, preset, config)
  const { ch } = world
  try {
    const db = await openBenchCrm(world)
    try {
      await settleMerges(ch)
      const modules = loadModuleCatalogue(config.modulesFile).modules
      const baselines = churnBaselines(loadBuiltinRules(modules))
      const started = performance.now()
      const result = await trainChurnModel(
        { ch, db },
        {
          horizonDays: HORIZON_DAYS,
          targetPrecision: TARGET_PRECISION,
          modulesAvailable: modules.length,
          baselines,
          modules,
          onStep: (step) => console.log(`  ${step}`),
        },
      )
      const trainSeconds = result.seconds.features + result.seconds.fit
      const { split } = result
      console.log(
        `\nworld: ${fmt(world.events)} events, ${world.firstDay} .. ${world.lastDay}; horizon ${HORIZON_DAYS} days` +
          `\ntraining as of ${split.trainFrom} .. ${split.trainTo}: ${fmt(result.rows.training)} customer-days, ${result.outcomes.training} cancelling accounts` +
          `\nvalidation as of ${split.validFrom} .. ${split.validTo} (never seen in training): ${fmt(result.rows.validation)} customer-days, ${result.outcomes.validation} cancelling accounts` +
          `\nthreshold ${result.threshold.toFixed(3)}, chosen on training rows for account precision ${TARGET_PRECISION} (reached there: ${result.trainingPrecision === null ? '–' : fmt(result.trainingPrecision, 3)})` +
          `\ntraining: features ${fmt(result.seconds.features, 2)} s + fit ${fmt(result.seconds.fit, 2)} s (${result.params.iterations} Newton steps, L2 ${result.params.l2} chosen by 3-fold account cross-validation in training) = ${fmt(trainSeconds, 2)} s; baselines ${fmt(result.seconds.baselines, 2)} s; all ${fmt((performance.now() - started) / 1000, 2)} s\n`,
      )
      const header = `${'risk score'.padEnd(24)} ${'AUC'.padStart(6)} ${'PR-AUC'.padStart(6)} ${'Brier'.padStart(7)} ${'lift@10%'.padStart(8)} ${'flagged'.padStart(7)} ${'TP'.padStart(4)} ${'precision'.padStart(9)} ${'recall'.padStart(6)} ${'lead d'.padStart(6)}`
      console.log(`${header}\n${'-'.repeat(header.length)}`)
      for (const r of [result.model, ...result.baselines]) console.log(row(r))
      console.log(
        `\nlead time: median over the ${result.model.leadTimeOutcomes} cancellations with the whole horizon of validation days before them`,
      )

      // What the world allows: the best precision at the goal's recall, each score's
      // threshold chosen with hindsight on the validation period (not an operating
      // point), beside a score that knows the simulator's hidden declines.
      const judged = {
        examples: result.validation,
        outcomes: result.cancellations,
        split,
      }
      const hidden = hiddenDeclineScores(
        path.join(world.dataDir, 'simulation'),
        result.validation,
        config.modulesFile,
      )
      const hindsight = [
        {
          name: 'churn model',
          kind: 'model' as const,
          scores: result.validationScores,
          label: 'model',
        },
        {
          name: 'health score',
          kind: 'health' as const,
          scores: result.validation.map((e) => 100 - e.raw.healthScore),
          label: 'health',
        },
        ...(hidden === null
          ? []
          : // Not a probability: judged like the health score, with no Brier score.
            [
              {
                name: 'hidden decline depth',
                kind: 'health' as const,
                scores: hidden,
                label: 'ceiling',
              },
            ]),
      ]
      console.log(
        `\nbest precision at recall ≥ ${goals.recall}, threshold chosen with hindsight on the validation period:`,
      )
      console.log(`${header}\n${'-'.repeat(header.length)}`)
      for (const h of hindsight) {
        const best = bestPrecisionAtRecall({ ...judged, ...h }, goals.recall)
        console.log(
          best === null
            ? `${h.name.padEnd(24)} never reaches recall ${goals.recall}`
            : row(best, h.label),
        )
      }
      if (hidden !== null)
        console.log(
          "hidden decline depth: how far each customer's use had fallen by the day before, from the simulator's traits (no event): a perfect decline detector, the ceiling of any score that reads the past",
        )
      console.log('\ncalibration (validation rows):')
      console.log(
        `${'predicted'.padEnd(11)} ${'rows'.padStart(7)} ${'mean p'.padStart(7)} ${'observed'.padStart(8)}`,
      )
      for (const bin of result.model.calibration ?? [])
        if (bin.rows > 0)
          console.log(
            `${`${bin.from.toFixed(1)}–${bin.to.toFixed(1)}`.padEnd(11)} ${fmt(bin.rows).padStart(7)} ${bin.meanPredicted!.toFixed(3).padStart(7)} ${bin.observedRate!.toFixed(3).padStart(8)}`,
          )

      // Scoring: the job's own path, into ClickHouse and the CRM store.
      const stored = await insertModel(db, {
        params: result.params,
        horizonDays: HORIZON_DAYS,
        split,
        threshold: result.threshold,
        targetPrecision: TARGET_PRECISION,
        metrics: {
          model: result.model,
          baselines: result.baselines,
          outcomes: result.outcomes,
          rows: result.rows,
          seconds: result.seconds,
        },
        trainedBy: 'bench:model',
        status: 'candidate',
        statusReason: 'bench:model',
      })
      const model = await activateModel(db, stored.id, 'bench:model')
      const scoring = await scoreCustomers({ ch, db }, model, {
        asOf: world.lastDay,
        modulesAvailable: modules.length,
      })
      console.log(
        `\nscoring as of ${world.lastDay}: ${fmt(scoring.scored)} customers in ${fmt(scoring.seconds, 2)} s (features, probabilities, reasons, stored in ClickHouse and Postgres)`,
      )

      const m = result.model
      const beaten = result.baselines.filter((b) => (m.prAuc ?? 0) > (b.prAuc ?? 0)).length
      const check = (ok: boolean) => (ok ? 'met' : 'NOT met')
      console.log(
        [
          '\ngoals:',
          `  AUC ≥ ${goals.auc}: ${fmt(m.auc ?? 0, 3)}, ${check((m.auc ?? 0) >= goals.auc)}`,
          `  precision ≥ ${goals.precision} at recall ≥ ${goals.recall}: ${fmt(m.precision ?? 0, 3)} at ${fmt(m.recall ?? 0, 3)}, ${check((m.precision ?? 0) >= goals.precision && (m.recall ?? 0) >= goals.recall)}`,
          `  median lead time ≥ ${goals.leadDays} days: ${m.medianLeadTimeDays ?? '–'}, ${check((m.medianLeadTimeDays ?? 0) >= goals.leadDays)}`,
          `  every baseline beaten on PR-AUC: ${beaten} of ${result.baselines.length}, ${check(beaten === result.baselines.length)}`,
          `  training < ${goals.trainSeconds} s: ${fmt(trainSeconds, 2)} s, ${check(trainSeconds < goals.trainSeconds)}`,
          `  scoring one day < ${goals.scoreSeconds} s: ${fmt(scoring.seconds, 2)} s, ${check(scoring.seconds < goals.scoreSeconds)}`,
        ].join('\n'),
      )
    } finally {
      await db.close()
    }
  } finally {
    console.log(
      `\nworld: ${fmt(options.tenants)} tenants × ${options.days} days; ${peakRss()}; at end: ${loadAverage()}`,
    )
    await world.close()
  }
  return 0
}

function row(r: QualityReport, label: string = r.kind): string {
  const n = (x: number | null, digits = 3) => (x === null ? '–' : fmt(x, digits))
  return [
    `${r.name}${r.kind === 'model' ? '' : ` (${label})`}`.padEnd(24),
    n(r.auc).padStart(6),
    n(r.prAuc).padStart(6),
    n(r.brier, 4).padStart(7),
    n(r.liftTopDecile, 1).padStart(8),
    fmt(r.flaggedAccounts).padStart(7),
    fmt(r.truePositives).padStart(4),
    n(r.precision).padStart(9),
    n(r.recall).padStart(6),
    n(r.medianLeadTimeDays, 0).padStart(6),
  ].join(' ')
}
