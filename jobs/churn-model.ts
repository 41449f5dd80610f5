import type { ModuleCatalogue } from '../ingest/module-catalogue.js'
import { TimeSplitError, TooFewOutcomesError } from '../model/dataset.js'
import { trainAndStore } from '../model/retrain.js'
import { ModelFeaturesMismatchError, scoreCustomers } from '../model/score.js'
import { activeModel } from '../model/store.js'
import { churnBaselines } from '../model/train.js'
import type { ClickHouse } from '../platform/clickhouse.js'
import type { Config } from '../platform/config.js'
import type { Db } from '../platform/postgres.js'
import { loadBuiltinRules } from '../rules/builtin.js'

type Deps = { ch: ClickHouse; db: Db; config: Config; catalogue: ModuleCatalogue }

/**
 * The weekly retrain: a new model on the history so far, live only when it beats the
 * active one on its validation period (model/retrain.ts). Too little history is a
 * result, not a failure: a young deployment has no cancellations to learn from, and a
 * retried job would not make any.
 */
export async function retrainChurnModel(deps: Deps) {
  const modules = deps.catalogue.modules
  try {
    const { model, activated } = await trainAndStore(deps, {
      horizonDays: deps.config.MODEL_HORIZON_DAYS,
      targetPrecision: deps.config.MODEL_TARGET_PRECISION,
      modulesAvailable: modules.length,
      baselines: churnBaselines(loadBuiltinRules(modules)),
      modules,
      trainedBy: 'schedule',
      activate: 'if-better',
    })
    return { trained: model.id, status: model.status, activated, reason: model.statusReason }
  } catch (error) {
    if (error instanceof TooFewOutcomesError || error instanceof TimeSplitError)
      return { trained: null, reason: error.message }
    throw error
  }
}

/** Scores every customer with the active model as of today; nothing without one. */
export async function scoreWithActiveModel(deps: Deps, asOf = new Date()) {
  const model = await activeModel(deps.db)
  if (model === null) return { scored: 0, reason: 'no active churn model' }
  try {
    const names = new Map(deps.catalogue.modules.map((m) => [m.key, m.name]))
    const result = await scoreCustomers(deps, model, {
      asOf: asOf.toISOString().slice(0, 10),
      modulesAvailable: deps.catalogue.modules.length,
      moduleName: (key) => names.get(key) ?? key,
    })
    return { model: model.id, ...result }
  } catch (error) {
    // A model of an older feature list waits for the next retrain, which replaces it.
    if (error instanceof ModelFeaturesMismatchError) return { scored: 0, reason: error.message }
    throw error
  }
}
