import type { Queryable } from '../platform/postgres.js'

// The record of each evaluation (Postgres: evaluations, evaluation_firings): queued by
// the scheduler or a person, run by the evaluate job, and finished by the apply jobs
// once every firing has an outcome. GET /api/jobs/evaluations/:id reads it.

export type EvaluationStatus = 'queued' | 'running' | 'applying' | 'done' | 'failed'
export type EvaluationTrigger = 'schedule' | 'manual'

/** What apply made of one firing; `skipped` comes with its reason. */
export type FiringOutcome =
  | 'lead_opened'
  | 'lead_updated'
  | 'lead_unchanged'
  | 'alert_opened'
  | 'skipped'

export interface Evaluation {
  id: string
  kind: 'abm' | 'churn'
  trigger: EvaluationTrigger
  status: EvaluationStatus
  asOf: string | null
  rules: number | null
  invalidRules: string[]
  firings: number | null
  /** What crm-sync and the lifecycle mirror did before the rules ran. */
  synced: Record<string, unknown>
  counts: {
    applied: number
    /** Firings without an outcome yet: being applied, or waiting for their account. */
    pending: number
    leadsOpened: number
    leadsUpdated: number
    signals: number
    alertsOpened: number
    skipped: Record<string, number>
  }
  error: string | null
  queuedAt: Date
  startedAt: Date | null
  finishedAt: Date | null
}

export async function createEvaluation(
  db: Queryable,
  input: { kind: 'abm' | 'churn'; trigger: EvaluationTrigger },
): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    'INSERT INTO evaluations (kind, trigger) VALUES ($1, $2) RETURNING id::text AS id',
    [input.kind, input.trigger],
  )
  return rows[0]!.id
}

export async function markEvaluationRunning(db: Queryable, id: string): Promise<void> {
  await db.query(
    `UPDATE evaluations SET status = 'running', error = NULL, started_at = coalesce(started_at, now())
     WHERE id = $1`,
    [id],
  )
}

/** The rules ran: their figures, and `done` at once when nothing fired. */
export async function markEvaluationEvaluated(
  db: Queryable,
  id: string,
  result: {
    asOf: string
    rules: number
    invalidRules: readonly string[]
    firings: number
    synced: object
  },
): Promise<void> {
  await db.query(
    `UPDATE evaluations SET as_of = $2, rules = $3, invalid_rules = $4, firings = $5,
       synced = $6::text::jsonb, status = CASE WHEN $5 = 0 THEN 'done' ELSE 'applying' END,
       finished_at = CASE WHEN $5 = 0 THEN now() END
     WHERE id = $1`,
    [
      id,
      result.asOf,
      result.rules,
      result.invalidRules,
      result.firings,
      JSON.stringify(result.synced),
    ],
  )
}

export async function markEvaluationFailed(
  db: Queryable,
  id: string,
  error: string,
): Promise<void> {
  await db.query(
    "UPDATE evaluations SET status = 'failed', error = $2, finished_at = now() WHERE id = $1",
    [id, error.slice(0, 2000)],
  )
}

/** Whether this firing of the evaluation already has an outcome (a retried apply job). */
export async function hasFiringOutcome(
  tx: Queryable,
  key: { evaluationId: string; ruleId: string; tenantId: string; module: string },
): Promise<boolean> {
  const { rowCount } = await tx.query(
    `SELECT 1 FROM evaluation_firings
     WHERE evaluation_id = $1 AND rule_id = $2 AND tenant_id = $3 AND module = $4`,
    [key.evaluationId, key.ruleId, key.tenantId, key.module],
  )
  return rowCount > 0
}

/** Records a firing's outcome, in the transaction that applied it. */
export async function recordFiringOutcome(
  tx: Queryable,
  row: {
    evaluationId: string
    ruleId: string
    tenantId: string
    module: string
    outcome: FiringOutcome
    skipReason?: string | undefined
    signal: boolean
  },
): Promise<void> {
  await tx.query(
    `INSERT INTO evaluation_firings (evaluation_id, rule_id, tenant_id, module, outcome, skip_reason, signal)
     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`,
    [
      row.evaluationId,
      row.ruleId,
      row.tenantId,
      row.module,
      row.outcome,
      row.skipReason ?? null,
      row.signal,
    ],
  )
}

/**
 * Marks the evaluation done once every firing has an outcome. Any apply job may be the
 * last one; each asks after its batch, and the update is a no-op for all but one.
 */
export async function finishEvaluationIfComplete(db: Queryable, id: string): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE evaluations e SET status = 'done', finished_at = now()
     WHERE e.id = $1 AND e.status = 'applying'
       AND e.firings <= (SELECT count(*) FROM evaluation_firings f WHERE f.evaluation_id = e.id)`,
    [id],
  )
  return rowCount > 0
}

export async function getEvaluation(db: Queryable, id: string): Promise<Evaluation | undefined> {
  if (!/^\d{1,18}$/.test(id)) return undefined
  const { rows } = await db.query<{
    id: string
    kind: 'abm' | 'churn'
    trigger: EvaluationTrigger
    status: EvaluationStatus
    as_of: string | null
    rules: number | null
    invalid_rules: string[]
    firings: number | null
    synced: Record<string, unknown>
    error: string | null
    queued_at: Date
    started_at: Date | null
    finished_at: Date | null
  }>(
    `SELECT id::text AS id, kind, trigger, status, to_char(as_of, 'YYYY-MM-DD') AS as_of, rules,
       invalid_rules, firings, synced, error, queued_at, started_at, finished_at
     FROM evaluations WHERE id = $1`,
    [id],
  )
  const e = rows[0]
  if (!e) return undefined
  const { rows: outcomes } = await db.query<{
    outcome: FiringOutcome
    skip_reason: string | null
    n: string
    signals: string
  }>(
    `SELECT outcome, skip_reason, count(*)::text AS n, count(*) FILTER (WHERE signal)::text AS signals
     FROM evaluation_firings WHERE evaluation_id = $1 GROUP BY outcome, skip_reason`,
    [id],
  )
  const counts: Evaluation['counts'] = {
    applied: 0,
    pending: 0,
    leadsOpened: 0,
    leadsUpdated: 0,
    signals: 0,
    alertsOpened: 0,
    skipped: {},
  }
  for (const o of outcomes) {
    const n = Number(o.n)
    counts.applied += n
    counts.signals += Number(o.signals)
    if (o.outcome === 'lead_opened') counts.leadsOpened += n
    else if (o.outcome === 'lead_updated') counts.leadsUpdated += n
    else if (o.outcome === 'alert_opened') counts.alertsOpened += n
    else if (o.outcome === 'skipped' && o.skip_reason)
      counts.skipped[o.skip_reason] = (counts.skipped[o.skip_reason] ?? 0) + n
  }
  counts.pending = Math.max(0, (e.firings ?? 0) - counts.applied)
  return {
    id: e.id,
    kind: e.kind,
    trigger: e.trigger,
    status: e.status,
    asOf: e.as_of,
    rules: e.rules,
    invalidRules: e.invalid_rules,
    firings: e.firings,
    synced: e.synced,
    counts,
    error: e.error,
    queuedAt: e.queued_at,
    startedAt: e.started_at,
    finishedAt: e.finished_at,
  }
}

/** Drops the records older than the retention (EVALUATION_RETENTION_DAYS). */
export async function pruneEvaluations(db: Queryable, retentionDays: number): Promise<number> {
  const { rowCount } = await db.query(
    'DELETE FROM evaluations WHERE queued_at < now() - make_interval(days => $1::int)',
    [retentionDays],
  )
  return rowCount
}

/**
 * Marks as failed the evaluations still unfinished long after any of their jobs could
 * have run: their jobs were lost (a flushed Redis holds the only copy of a queued job).
 * The next scheduled evaluation fires again; this only keeps the record honest.
 */
export async function expireStaleEvaluations(
  db: Queryable,
  staleAfterSeconds: number,
): Promise<number> {
  const { rowCount } = await db.query(
    `UPDATE evaluations SET status = 'failed', finished_at = now(),
       error = 'unfinished after ' || $1::int || ' s: its jobs were lost (was Redis flushed?); the next evaluation fires again'
     WHERE status IN ('queued', 'running', 'applying')
       AND coalesce(started_at, queued_at) < now() - make_interval(secs => $1::int)`,
    [staleAfterSeconds],
  )
  return rowCount
}
