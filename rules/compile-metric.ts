import {
  type AggregateNeed,
  aggregateSql,
  HEALTH_SCORE_MAX_AGE_DAYS,
  kindsSql,
  pickRollup,
  RENEWAL_LOOKBACK_DAYS,
  type Rollup,
  type StoredScoreMetric,
  scanKindsSql,
  ZSCORE_BASELINE_WINDOWS,
} from './metric-catalogue.js'
import type {
  AggregateNode,
  ComparisonNode,
  ParamNode,
  ParamType,
  Scope,
  WindowNode,
} from './rule-ast.js'

// SQL for one comparison's metric: the aggregates it adds to a usage scan, the CTEs of
// its own (trend series, renewals) and its value in the final select. Everything here is
// text from the catalogue and this file; values appear only as {name:Type} placeholders.

/** Collects the placeholders a query uses, with their values. */
export class ParamSink {
  readonly values: Record<string, ParamNode['value']> = {}
  readonly types: Record<string, ParamType> = {}
  readonly sources: Record<string, string> = {}

  use(node: ParamNode): string {
    this.values[node.name] = node.value
    this.types[node.name] = node.type
    this.sources[node.name] = node.source
    return `{${node.name}:${node.type}}`
  }
}

/** Point mode evaluates as of one day; range mode as of every day from..to at once. */
export interface Mode {
  readonly kind: 'point' | 'range'
  /** The as-of day inside a scan: `{asOf:Date}`, or the `as_of` column. */
  readonly asOf: string
  /** The as-of day in the final select. */
  readonly asOfOut: string
}

export const pointMode: Mode = { kind: 'point', asOf: '{asOf:Date}', asOfOut: '{asOf:Date}' }
export const rangeMode: Mode = { kind: 'range', asOf: 'as_of', asOfOut: 't.as_of' }

export const scanAlias: Record<Scope, string> = { tenant: 'u', module: 'm' }

/** One aggregate of a usage scan; its SQL waits for the scan to pick a rollup. */
export interface ScanAggregate {
  readonly scope: Scope
  readonly alias: string
  readonly need: AggregateNeed
  /** The rows it folds: its window, kinds and module (null: every row of the scan). */
  readonly pred: string | null
  /** Its window in days before the as-of day: from `lo` back to `hi` (null: 0), excluded. */
  readonly window: { readonly lo: string; readonly hi: string | null; readonly days: string }
  /** Its kinds and module, without the window. */
  readonly filter: string | null
  /** Equal for two aggregates that fold the same rows the same way (window in days). */
  readonly sameAs: string
}

export interface OwnCte {
  readonly name: string
  readonly alias: string
  readonly scope: Scope
  readonly sql: string
}

export interface MetricSql {
  readonly aggregates: readonly ScanAggregate[]
  readonly ctes: readonly OwnCte[]
  readonly value: string
  readonly extras: Readonly<Record<string, string>>
}

export const paren = (sql: string) => (/^[\w{}:]+$/.test(sql) ? sql : `(${sql})`)

/** Days before asOf where window `k` back (0: the window itself) starts and ends. */
function windowBounds(w: WindowNode, k: number, p: ParamSink): { lo: string; hi: string | null } {
  const days = p.use(w.days)
  const offset = w.offset === null ? null : p.use(w.offset)
  const span = (n: number): string | null => {
    const length = n === 0 ? null : n === 1 ? days : `${days} * ${n}`
    return [offset, length].filter((s) => s !== null).join(' + ') || null
  }
  return { lo: span(k + 1)!, hi: span(k) }
}

export function windowPredicate(w: WindowNode, k: number, asOf: string, p: ParamSink): string {
  const { lo, hi } = windowBounds(w, k, p)
  const from = `day >= ${asOf} - ${paren(lo)}`
  return hi === null ? from : `${from} AND day < ${asOf} - ${paren(hi)}`
}

const and = (...parts: Array<string | null>) => parts.filter((s) => s !== null).join(' AND ')

function moduleFilter(agg: AggregateNode, p: ParamSink): string | null {
  return agg.module === null ? null : `module = ${p.use(agg.module)}`
}

/** The aggregates of windows 0..count-1 of `agg`, as columns a{index}_{k}. */
function windowAggregates(
  agg: AggregateNode,
  index: number,
  count: number,
  mode: Mode,
  p: ParamSink,
): { aggregates: ScanAggregate[]; refs: string[] } {
  const aggregates: ScanAggregate[] = []
  const refs: string[] = []
  for (let k = 0; k < count; k++) {
    const filter = and(kindsSql(agg.def.kinds), moduleFilter(agg, p)) || null
    const pred = and(windowPredicate(agg.window, k, mode.asOf, p), filter)
    const window = { ...windowBounds(agg.window, k, p), days: p.use(agg.window.days) }
    const alias = `a${index}_${k}`
    const days = Number(agg.window.days.value)
    const back = Number(agg.window.offset?.value ?? 0) + days * k
    const sameAs = [agg.def.aggregate, filter, back, back + days].join('|')
    aggregates.push({ scope: agg.scope, alias, need: needOf(agg), pred, window, filter, sameAs })
    refs.push(`${scanAlias[agg.scope]}.${alias}`)
  }
  return { aggregates, refs }
}

const needOf = (agg: AggregateNode): AggregateNeed => ({
  aggregate: agg.def.aggregate,
  kinds: agg.def.kinds,
  // Per module: one module fixed, or each paid module where the rule fans out.
  module: agg.module !== null || agg.scope === 'module',
})

const f64 = (sql: string) => `toFloat64(${sql})`

export function compileMetric(c: ComparisonNode, mode: Mode, p: ParamSink): MetricSql {
  const metric = c.metric
  if (metric.kind === 'renewal') {
    const value = metric.def.value({
      lastRenewal: 'n.last_renewal',
      revenue: 'n.revenue',
      mrr: 't.mrr',
      asOf: mode.asOfOut,
    })
    return { aggregates: [], ctes: [renewalCte(mode)], value, extras: {} }
  }
  if (metric.kind === 'aggregate') {
    const { aggregates, refs } = windowAggregates(metric, c.index, 1, mode, p)
    const w = metric.window
    const parts = {
      agg: refs[0]!,
      windowDays: p.use(w.days),
      windowEnd: w.offset === null ? mode.asOfOut : `${mode.asOfOut} - ${p.use(w.offset)}`,
      seats: 't.seats',
    }
    const extras: Record<string, string> = {}
    for (const [name, sql] of Object.entries(metric.def.extras ?? {})) extras[name] = sql(parts)
    return { aggregates, ctes: [], value: metric.def.value?.(parts) ?? parts.agg, extras }
  }
  if (metric.kind === 'stored') {
    const cte = storedScoreCte(metric.def, mode)
    const value = `if(${cte.alias}.scored = 1, ${cte.alias}.score, NULL)`
    return { aggregates: [], ctes: [cte], value, extras: {} }
  }
  const { def, of } = metric
  if (def.shape === 'trend_slope') return trendMetric(of, c.index, mode, p)
  const count = def.shape === 'pct_change' ? 2 : 1 + ZSCORE_BASELINE_WINDOWS
  const { aggregates, refs } = windowAggregates(of, c.index, count, mode, p)
  const [current, ...before] = refs.map(f64) as [string, ...string[]]
  if (def.shape === 'pct_change') {
    const previous = before[0]!
    return {
      aggregates,
      ctes: [],
      value: `if(${previous} = 0, if(${current} = 0, 0, NULL), (${current} - ${previous}) * 100 / ${previous})`,
      extras: { current, previous },
    }
  }
  const baseline = `[${before.join(', ')}]`
  const sd = `arrayReduce('stddevPop', ${baseline})`
  return {
    aggregates,
    ctes: [],
    value: `if(${sd} = 0, NULL, (${current} - arrayAvg(${baseline})) / ${sd})`,
    extras: { current, baseline: `arrayAvg(${baseline})` },
  }
}

/** Keys of a scope's rows: tenant, or tenant and module; as_of first in range mode. */
export function scopeKeys(scope: Scope, mode: Mode): string[] {
  return [
    ...(mode.kind === 'range' ? ['as_of'] : []),
    'tenant_id',
    ...(scope === 'module' ? ['module'] : []),
  ]
}

/** The rollup rows a scan of `scope` may read, besides its window. */
export function scanFilters(
  scope: Scope,
  rollup: Rollup,
  needs: readonly AggregateNeed[],
  extra: Array<string | null>,
  mode: Mode,
): string {
  return and(
    // daily_active_users holds usage kinds only, and no kind column.
    rollup === 'daily_active_users' ? null : scanKindsSql(needs),
    ...extra,
    scope === 'module' ? 'module IN {paid:Array(String)}' : null,
    // In range mode `tenants` holds a row per tenant and as-of day, costly to build
    // twice; the scan only needs the tenants that may be in it (compile.ts).
    `tenant_id IN (SELECT tenant_id FROM ${mode.kind === 'point' ? 'tenants' : 'candidates'})`,
  )
}

/**
 * A daily series, then its least-squares slope. Days without rows are zeros, so the
 * sums run over the rows there are and the x moments come in closed form:
 * slope = (12·Σxy − 6(n−1)·Σy) / (n(n²−1)), x = 0..n−1 from the window's first day.
 */
function trendMetric(of: AggregateNode, index: number, mode: Mode, p: ParamSink): MetricSql {
  const name = `trend_${index}`
  const alias = `r${index}`
  const { lo, hi } = windowBounds(of.window, 0, p)
  const n = p.use(of.window.days)
  const needs = [needOf(of)]
  const rollup = pickRollup(needs)
  const daily = aggregateSql(of.def.aggregate, null, rollup)
  const keys = scopeKeys(of.scope, { ...mode, kind: 'point' })
  const filters = scanFilters(of.scope, rollup, needs, [moduleFilter(of, p)], mode)
  let sql: string
  if (mode.kind === 'point') {
    sql = [
      `SELECT ${keys.join(', ')}, sum(x * y) AS sxy, sum(y) AS sy`,
      'FROM (',
      `  SELECT ${keys.join(', ')}, toFloat64(dateDiff('day', ${mode.asOf} - ${paren(lo)}, day)) AS x, toFloat64(${daily}) AS y`,
      `  FROM {db:Identifier}.${rollup}`,
      `  WHERE ${windowPredicate(of.window, 0, mode.asOf, p)} AND day < ${mode.asOf}`,
      `    AND ${filters}`,
      `  GROUP BY ${keys.join(', ')}, day`,
      ')',
      `GROUP BY ${keys.join(', ')}`,
    ].join('\n')
  } else {
    const shift = hi === null ? '1' : `${paren(hi)} + 1`
    sql = [
      `SELECT as_of, ${keys.join(', ')}, sum(toFloat64(dateDiff('day', as_of - ${paren(lo)}, day)) * y) AS sxy, sum(y) AS sy`,
      'FROM (',
      `  SELECT ${keys.join(', ')}, day, toFloat64(${daily}) AS y`,
      `  FROM {db:Identifier}.${rollup}`,
      `  WHERE day >= {from:Date} - ${paren(lo)} AND day < {to:Date}`,
      `    AND ${filters}`,
      `  GROUP BY ${keys.join(', ')}, day`,
      ')',
      `ARRAY JOIN arrayFilter(d -> d >= {from:Date} AND d <= {to:Date}, arrayMap(i -> day + i, range(${shift}, ${lo} + 1))) AS as_of`,
      `GROUP BY as_of, ${keys.join(', ')}`,
    ].join('\n')
  }
  return {
    aggregates: [],
    ctes: [{ name, alias, scope: of.scope, sql }],
    value: `(12 * ${alias}.sxy - 6 * (${n} - 1) * ${alias}.sy) / (${n} * (${n} * ${n} - 1))`,
    extras: {},
  }
}

// lifecycle_events holds only group calls and lifecycle events, so no kind filter is needed.
const renewalWhere = "type = 'track' AND event = 'Subscription Renewed'"

/** The last renewal before asOf and its revenue, per tenant. */
function renewalCte(mode: Mode): OwnCte {
  const select =
    "max(toDate(timestamp)) AS last_renewal, argMax(JSONExtractFloat(properties, 'revenue'), timestamp) AS revenue"
  const sql =
    mode.kind === 'point'
      ? [
          `SELECT tenant_id, ${select}`,
          'FROM {db:Identifier}.lifecycle_events',
          `WHERE ${renewalWhere}`,
          `  AND toDate(timestamp) < {asOf:Date} AND toDate(timestamp) >= {asOf:Date} - ${RENEWAL_LOOKBACK_DAYS}`,
          'GROUP BY tenant_id',
        ].join('\n')
      : [
          `SELECT as_of, tenant_id, ${select}`,
          'FROM {db:Identifier}.lifecycle_events',
          `ARRAY JOIN arrayFilter(d -> d > toDate(timestamp) AND d <= toDate(timestamp) + ${RENEWAL_LOOKBACK_DAYS}, ${rangeDays}) AS as_of`,
          `WHERE ${renewalWhere}`,
          `  AND toDate(timestamp) < {to:Date} AND toDate(timestamp) >= {from:Date} - ${RENEWAL_LOOKBACK_DAYS}`,
          'GROUP BY as_of, tenant_id',
        ].join('\n')
  return { name: 'renewals', alias: 'n', scope: 'tenant', sql }
}

/**
 * The latest stored score on or before asOf, at most HEALTH_SCORE_MAX_AGE_DAYS old, with
 * `scored` = 1 so that a tenant without one reads as none rather than 0 (a LEFT JOIN's
 * missing row). Copies of a day's score: the newest computed_at wins.
 */
function storedScoreCte(def: StoredScoreMetric, mode: Mode): OwnCte {
  const latest = `argMax(${def.column}, (day, computed_at)) AS score, 1 AS scored`
  const table = `{db:Identifier}.${def.table}`
  const sql =
    mode.kind === 'point'
      ? [
          `SELECT tenant_id, ${latest}`,
          `FROM ${table}`,
          `WHERE day <= {asOf:Date} AND day > {asOf:Date} - ${HEALTH_SCORE_MAX_AGE_DAYS}`,
          'GROUP BY tenant_id',
        ].join('\n')
      : [
          `SELECT as_of, tenant_id, ${latest}`,
          `FROM ${table}`,
          `ARRAY JOIN arrayFilter(d -> d >= {from:Date} AND d <= {to:Date}, arrayMap(i -> day + i, range(${HEALTH_SCORE_MAX_AGE_DAYS}))) AS as_of`,
          `WHERE day <= {to:Date} AND day > {from:Date} - ${HEALTH_SCORE_MAX_AGE_DAYS}`,
          'GROUP BY as_of, tenant_id',
        ].join('\n')
  // One CTE per table: two conditions on the same score share it.
  const name = def.table === 'health_scores' ? 'health' : 'churn_risk'
  return { name, alias: def.table === 'health_scores' ? 'h' : 'cr', scope: 'tenant', sql }
}

/** Every day from..to, as an array: the as-of days of a backtest. */
export const rangeDays =
  "arrayMap(i -> {from:Date} + i, range(toUInt32(greatest(0, dateDiff('day', {from:Date}, {to:Date}) + 1))))"
