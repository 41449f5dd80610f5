import { type ClickHouse, runCommand } from '../platform/clickhouse.js'
import type { Db } from '../platform/postgres.js'
import { jsonParam } from '../platform/postgres.js'
import {
  FEATURES_VERSION,
  featureNames,
  features,
  featureVector,
  loadFeatures,
  type RawFeatures,
} from './features.js'
import { contributions, predictLogistic } from './logistic.js'
import type { StoredModel } from './store.js'

/** One input that raised an account's risk, in the words a CSM reads. */
export interface Reason {
  feature: string
  /** The model's input for this account (after the feature's transform). */
  value: number | null
  /** Its share of the log-odds against an average account; positive raises the risk. */
  contribution: number
  text: string
}

export interface AccountScore {
  tenantId: string
  asOf: string
  probability: number
  reasons: Reason[]
}

export class ModelFeaturesMismatchError extends Error {}

type ModelInputs = Pick<StoredModel, 'id' | 'features' | 'params'>

/** Why a model cannot be fed today's rows (another feature list or version), or null. */
export function featuresMismatch(model: ModelInputs): string | null {
  const version = model.params.featuresVersion ?? 1
  if (version !== FEATURES_VERSION)
    return `churn model ${model.id} was trained on version ${version} of the features, this version computes version ${FEATURES_VERSION}: train a new one`
  if (model.features.join(',') !== featureNames.join(','))
    return `churn model ${model.id} was trained on other features (${model.features.join(', ')}) than this version computes (${featureNames.join(', ')}): train a new one`
  return null
}

/** A model trained on another feature list than today's cannot be fed today's rows. */
export function assertFeatures(model: ModelInputs): void {
  const mismatch = featuresMismatch(model)
  if (mismatch !== null) throw new ModelFeaturesMismatchError(mismatch)
}

/** The probability and the top reasons of one row, by the model's contributions. */
export function explainRow(
  model: Pick<StoredModel, 'params'>,
  raw: RawFeatures,
  moduleName: (key: string) => string = (key) => key,
  top = 3,
): AccountScore {
  const inputs = featureVector(raw)
  const parts = contributions(model.params, inputs)
  const reasons = parts
    .map((contribution, j) => ({ j, contribution }))
    .filter((c) => c.contribution > 0 && !features[c.j]!.context)
    .sort((a, b) => b.contribution - a.contribution)
    .slice(0, top)
    .map(({ j, contribution }) => ({
      feature: features[j]!.name,
      value: inputs[j] === null ? null : round(inputs[j]!),
      contribution: round(contribution),
      text: features[j]!.reason(raw, moduleName),
    }))
  return {
    tenantId: raw.tenantId,
    asOf: raw.asOf,
    probability: predictLogistic(model.params, inputs),
    reasons,
  }
}

const round = (x: number) => Math.round(x * 1000) / 1000

/**
 * Scores every customer as of `asOf` with the model: one features query, then the scores
 * into ClickHouse (a row per customer and day, which the churn_risk metric reads) and
 * onto the accounts in the CRM store, with their reasons.
 */
export async function scoreCustomers(
  deps: { ch: ClickHouse; db: Db },
  model: StoredModel,
  options: { asOf: string; modulesAvailable: number; moduleName?: (key: string) => string },
): Promise<{ scored: number; seconds: number }> {
  assertFeatures(model)
  const started = performance.now()
  const rows = await loadFeatures(deps.ch, {
    from: options.asOf,
    to: options.asOf,
    modulesAvailable: options.modulesAvailable,
  })
  const scores = rows.map((r) => explainRow(model, r, options.moduleName))
  if (scores.length > 0) {
    await runCommand(
      deps.ch,
      `INSERT INTO {db:Identifier}.churn_scores (tenant_id, day, probability, model_id, reasons, computed_at)
       SELECT s.1, {day:Date}, s.2, {modelId:UInt64}, s.3, now64(3)
       FROM (SELECT arrayJoin(arrayZip({tenants:Array(String)}, {probabilities:Array(Float64)}, {reasons:Array(String)})) AS s)`,
      {
        day: options.asOf,
        modelId: model.id,
        tenants: scores.map((s) => s.tenantId),
        probabilities: scores.map((s) => s.probability),
        reasons: scores.map((s) => JSON.stringify(s.reasons)),
      },
    )
    await deps.db.query(
      `UPDATE accounts a SET churn_risk = s.risk, churn_reasons = s.reasons::jsonb,
         churn_model_id = $4, churn_scored_at = now(), updated_at = now()
       FROM unnest($1::text[], $2::float8[], $3::text[]) AS s(tenant_id, risk, reasons)
       WHERE a.tenant_id = s.tenant_id`,
      [
        scores.map((s) => s.tenantId),
        scores.map((s) => s.probability),
        scores.map((s) => jsonParam(s.reasons)),
        model.id,
      ],
    )
  }
  return { scored: scores.length, seconds: (performance.now() - started) / 1000 }
}
