import type { ClickHouse } from '../platform/clickhouse.js'
import type { Db } from '../platform/postgres.js'
import { featureVector } from './features.js'
import { predictLogistic } from './logistic.js'
import { qualityReport } from './report.js'
import { featuresMismatch } from './score.js'
import {
  activateModel,
  activeModel,
  insertModel,
  type ModelMetrics,
  type StoredModel,
} from './store.js'
import { type TrainOptions, type TrainResult, trainChurnModel } from './train.js'

export interface TrainAndStoreResult {
  model: StoredModel
  activated: boolean
  result: TrainResult
}

/**
 * Trains a model, stores it and decides whether it goes live: it replaces the active
 * model only when its PR-AUC on its validation period is at least the active model's
 * on the same rows, and the first model only when it beats every baseline there. A
 * model that does not go live is kept as `rejected`, with the figures that said so.
 */
export async function trainAndStore(
  deps: { ch: ClickHouse; db: Db },
  options: TrainOptions & { trainedBy: string; activate: 'if-better' | 'never' },
): Promise<TrainAndStoreResult> {
  const result = await trainChurnModel(deps, options)
  const active = await activeModel(deps.db)
  const metrics: ModelMetrics = {
    model: result.model,
    baselines: result.baselines,
    outcomes: result.outcomes,
    rows: result.rows,
    seconds: result.seconds,
  }
  const candidate = result.model.prAuc ?? 0
  let verdict: { better: boolean; why: string }
  if (active && featuresMismatch(active) === null) {
    const previous = qualityReport({
      name: `model ${active.id}`,
      kind: 'model',
      examples: result.validation,
      scores: result.validation.map((e) => predictLogistic(active.params, featureVector(e.raw))),
      threshold: active.threshold,
      outcomes: result.cancellations,
      split: result.split,
    })
    metrics.previous = { ...previous, modelId: active.id }
    const before = previous.prAuc ?? 0
    verdict = {
      better: candidate >= before,
      why: `PR-AUC ${fmt(candidate)} against ${fmt(before)} of the active model ${active.id} on ${result.split.validFrom}..${result.split.validTo}`,
    }
  } else {
    const best = result.baselines.reduce(
      (top, b) => ((b.prAuc ?? 0) > (top?.prAuc ?? -1) ? b : top),
      result.baselines[0],
    )
    const bestPrAuc = best?.prAuc ?? 0
    verdict = {
      better: candidate > bestPrAuc,
      why: `PR-AUC ${fmt(candidate)} against ${fmt(bestPrAuc)} of the best baseline (${best?.name ?? 'none'}) on ${result.split.validFrom}..${result.split.validTo}${active ? `; the active model ${active.id} has other features` : ''}`,
    }
  }
  const live = options.activate === 'if-better' && verdict.better
  const stored = await insertModel(deps.db, {
    params: result.params,
    horizonDays: result.split.horizonDays,
    split: result.split,
    threshold: result.threshold,
    targetPrecision: result.targetPrecision,
    metrics,
    trainedBy: options.trainedBy,
    status: live || options.activate === 'never' ? 'candidate' : 'rejected',
    statusReason:
      options.activate === 'never'
        ? `trained without activation; ${verdict.why}`
        : live
          ? verdict.why
          : `not better: ${verdict.why}`,
  })
  const model = live ? await activateModel(deps.db, stored.id, verdict.why) : stored
  return { model, activated: live, result }
}

const fmt = (x: number) => x.toFixed(3)
