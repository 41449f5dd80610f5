import type { Db, Queryable } from '../platform/postgres.js'
import { jsonParam } from '../platform/postgres.js'
import type { LogisticParams } from './logistic.js'
import type { QualityReport } from './report.js'

export type ModelStatus = 'candidate' | 'active' | 'retired' | 'rejected'

/** What a stored model's metrics hold: its validation report and the baselines'. */
export interface ModelMetrics {
  model: QualityReport
  baselines: QualityReport[]
  outcomes: { training: number; validation: number }
  rows: { training: number; validation: number }
  seconds: { features: number; fit: number; baselines: number }
  /** The active model's report on this model's validation rows, when one was active. */
  previous?: QualityReport & { modelId: number }
}

export interface StoredModel {
  id: number
  algorithm: string
  features: string[]
  params: LogisticParams
  horizonDays: number
  trainFrom: string
  trainTo: string
  validFrom: string
  validTo: string
  threshold: number
  targetPrecision: number
  metrics: ModelMetrics
  status: ModelStatus
  statusReason: string
  trainedBy: string
  trainedAt: string
  activatedAt: string | null
}

interface ModelRow {
  id: string
  algorithm: string
  features: string[]
  params: LogisticParams
  horizon_days: number
  train_from: string
  train_to: string
  valid_from: string
  valid_to: string
  threshold: number
  target_precision: number
  metrics: ModelMetrics
  status: ModelStatus
  status_reason: string
  trained_by: string
  trained_at: Date | string
  activated_at: Date | string | null
}

const columns = `id, algorithm, features, params, horizon_days,
  to_char(train_from, 'YYYY-MM-DD') AS train_from, to_char(train_to, 'YYYY-MM-DD') AS train_to,
  to_char(valid_from, 'YYYY-MM-DD') AS valid_from, to_char(valid_to, 'YYYY-MM-DD') AS valid_to,
  threshold, target_precision, metrics, status, status_reason, trained_by, trained_at, activated_at`

const iso = (d: Date | string | null) =>
  d === null ? null : d instanceof Date ? d.toISOString() : new Date(d).toISOString()

function toModel(r: ModelRow): StoredModel {
  return {
    id: Number(r.id),
    algorithm: r.algorithm,
    features: r.features,
    params: r.params,
    horizonDays: r.horizon_days,
    trainFrom: r.train_from,
    trainTo: r.train_to,
    validFrom: r.valid_from,
    validTo: r.valid_to,
    threshold: r.threshold,
    targetPrecision: r.target_precision,
    metrics: r.metrics,
    status: r.status,
    statusReason: r.status_reason,
    trainedBy: r.trained_by,
    trainedAt: iso(r.trained_at)!,
    activatedAt: iso(r.activated_at),
  }
}

export interface NewModel {
  params: LogisticParams
  horizonDays: number
  split: { trainFrom: string; trainTo: string; validFrom: string; validTo: string }
  threshold: number
  targetPrecision: number
  metrics: ModelMetrics
  trainedBy: string
  status: 'candidate' | 'rejected'
  statusReason: string
}

export async function insertModel(db: Queryable, m: NewModel): Promise<StoredModel> {
  const result = await db.query<ModelRow>(
    `INSERT INTO churn_models (algorithm, features, params, horizon_days, train_from, train_to,
       valid_from, valid_to, threshold, target_precision, metrics, status, status_reason, trained_by)
     VALUES ($1, $2::jsonb, $3::jsonb, $4, $5, $6, $7, $8, $9, $10, $11::jsonb, $12, $13, $14)
     RETURNING ${columns}`,
    [
      m.params.algorithm,
      jsonParam(m.params.features),
      jsonParam(m.params),
      m.horizonDays,
      m.split.trainFrom,
      m.split.trainTo,
      m.split.validFrom,
      m.split.validTo,
      m.threshold,
      m.targetPrecision,
      jsonParam(m.metrics),
      m.status,
      m.statusReason,
      m.trainedBy,
    ],
  )
  return toModel(result.rows[0]!)
}

export async function getModel(db: Queryable, id: number): Promise<StoredModel | null> {
  const result = await db.query<ModelRow>(`SELECT ${columns} FROM churn_models WHERE id = $1`, [id])
  return result.rows[0] ? toModel(result.rows[0]) : null
}

export async function activeModel(db: Queryable): Promise<StoredModel | null> {
  const result = await db.query<ModelRow>(
    `SELECT ${columns} FROM churn_models WHERE status = 'active'`,
  )
  return result.rows[0] ? toModel(result.rows[0]) : null
}

/** Newest first, `limit` of them, before the id `before` when given (a cursor). */
export async function listModels(
  db: Queryable,
  options: { limit: number; before?: number },
): Promise<StoredModel[]> {
  const result = await db.query<ModelRow>(
    `SELECT ${columns} FROM churn_models WHERE ($1::bigint IS NULL OR id < $1)
     ORDER BY id DESC LIMIT $2`,
    [options.before ?? null, options.limit],
  )
  return result.rows.map(toModel)
}

export class ModelNotFoundError extends Error {}

/**
 * Makes a model the active one and retires the one before, in one transaction: the
 * unique index on the active status would refuse two. A rejected model can still be
 * activated by a person who read why it was rejected.
 */
export async function activateModel(db: Db, id: number, reason: string): Promise<StoredModel> {
  await db.transaction(async (tx) => {
    const found = await tx.query('SELECT id FROM churn_models WHERE id = $1 FOR UPDATE', [id])
    if (found.rows.length === 0) throw new ModelNotFoundError(`no churn model ${id}`)
    await tx.query(
      `UPDATE churn_models SET status = 'retired', status_reason = $2
       WHERE status = 'active' AND id <> $1`,
      [id, `replaced by model ${id}`],
    )
    await tx.query(
      `UPDATE churn_models SET status = 'active', status_reason = $2, activated_at = now()
       WHERE id = $1 AND status <> 'active'`,
      [id, reason],
    )
  })
  return (await getModel(db, id))!
}
