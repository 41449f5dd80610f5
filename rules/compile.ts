import {
  compileMetric,
  type Mode,
  type OwnCte,
  ParamSink,
  pointMode,
  rangeDays,
  rangeMode,
  type ScanAggregate,
  scanAlias,
  scanFilters,
  scopeKeys,
} from './compile-metric.js'
import { rangeScanCte } from './compile-range.js'
import { aggregateSql, pickRollup } from './metric-catalogue.js'
import {
  buildRuleTree,
  type ComparisonNode,
  lookbackDays,
  type ParamNode,
  type ParamType,
  type RuleQueryNode,
  type Scope,
  scopeOf,
} from './rule-ast.js'
import type { Rule, RuleModule } from './rule-schema.js'

// One compiler: rule → tree (rule-ast.ts) → one ClickHouse query for every candidate
// tenant at once. Point mode answers "who fires as of asOf"; range mode answers the
// same for every day from..to in one set-based query (the backtest), by joining each
// rollup row to the as-of days whose windows it falls in.

/** Where a condition's value lands in a result row, and its evidence key. */
export interface EvidenceColumn {
  readonly column: string
  readonly key: string
}

export interface CompiledQuery {
  readonly ruleId: string
  readonly sql: string
  /** The rule's values, by placeholder name; the run-time ones are added at evaluation. */
  readonly params: Readonly<Record<string, ParamNode['value']>>
  readonly paramTypes: Readonly<Record<string, ParamType>>
  /** Where each parameter comes from in the rule. */
  readonly paramSources: Readonly<Record<string, string>>
  /** Parameters the caller supplies: asOf, or from and to. */
  readonly runtimeParams: Readonly<Record<string, ParamType>>
  readonly evidence: readonly EvidenceColumn[]
  /** Result rows carry a module (the rule fans out over paid modules). */
  readonly fanOut: boolean
}

/** The query that evaluates a rule as of one day, `{asOf:Date}`, for all tenants. */
export function compileRule(rule: Rule, modules: readonly RuleModule[]): CompiledQuery {
  return compileTree(buildRuleTree(rule, modules), pointMode)
}

/** The query that evaluates a rule as of every day `{from:Date}`..`{to:Date}`. */
export function compileBacktest(rule: Rule, modules: readonly RuleModule[]): CompiledQuery {
  return compileTree(buildRuleTree(rule, modules), rangeMode)
}

const indent = (sql: string, by = '  ') => sql.replaceAll('\n', `\n${by}`)
const float = (sql: string) => (/^toFloat64\([\w.]+\)$/.test(sql) ? sql : `toFloat64(${sql})`)

export function compileTree(tree: RuleQueryNode, mode: Mode): CompiledQuery {
  const p = new ParamSink()
  const comparisons = [...tree.all, ...tree.any]
  const compiled = comparisons.map((c) => ({ c, sql: compileMetric(c, mode, p) }))
  const ctes: Array<[string, string]> = [['tenants', tenantsCte(tree, mode, p)]]
  if (mode.kind === 'range') ctes.push(['candidates', candidatesCte(tree, p)])
  const joins: string[] = []
  const keysOn = (alias: string, scope: Scope) =>
    scopeKeys(scope, mode)
      .map((k) => `${alias}.${k} = ${k === 'module' ? 'm' : 't'}.${k}`)
      .join(' AND ')

  const scopes: Scope[] = tree.fanOut === null ? ['tenant'] : ['module', 'tenant']
  for (const scope of scopes) {
    const inScope = compiled.filter(({ c }) => scopeOf(c.metric) === scope)
    const aggregates = inScope.flatMap(({ sql }) => sql.aggregates)
    if (aggregates.length === 0 && scope === 'tenant') continue
    const name = `${scope}_usage`
    if (mode.kind === 'point') {
      const days = Math.max(1, ...inScope.map(({ c }) => lookbackDays(c.metric)))
      ctes.push([name, scanCte(scope, aggregates, p.use(lookbackParam(scope, days)))])
    } else ctes.push([name, rangeScanCte(scope, aggregates)])
    const alias = scanAlias[scope]
    joins.push(
      scope === 'module'
        ? `INNER JOIN ${name} AS ${alias} ON ${keysOn(alias, 'tenant')}`
        : `LEFT JOIN ${name} AS ${alias} ON ${keysOn(alias, 'tenant')}`,
    )
  }
  const own = new Map<string, OwnCte>()
  for (const { sql } of compiled) for (const cte of sql.ctes) own.set(cte.name, cte)
  for (const cte of own.values()) {
    ctes.push([cte.name, cte.sql])
    joins.push(`LEFT JOIN ${cte.name} AS ${cte.alias} ON ${keysOn(cte.alias, cte.scope)}`)
  }

  const evidence: EvidenceColumn[] = []
  const columns: string[] = []
  for (const { c, sql } of compiled) {
    columns.push(`${float(sql.value)} AS c${c.index}`)
    evidence.push({ column: `c${c.index}`, key: c.key })
    for (const [extra, value] of Object.entries(sql.extras)) {
      columns.push(`${float(value)} AS c${c.index}_${extra}`)
      evidence.push({ column: `c${c.index}_${extra}`, key: `${c.key}_${extra}` })
    }
  }
  const outKeys = [
    ...(mode.kind === 'range' ? ['t.as_of AS as_of'] : []),
    't.tenant_id AS tenant_id',
    ...(tree.fanOut === null ? [] : ['m.module AS module']),
  ]
  const test = (c: ComparisonNode) => `c${c.index} ${c.op} ${p.use(c.threshold)}`
  const where = tree.all.map(test)
  if (tree.any.length > 0) where.push(`(${tree.any.map(test).join(' OR ')})`)
  const order = [
    ...(mode.kind === 'range' ? ['as_of'] : []),
    'tenant_id',
    ...(tree.fanOut === null ? [] : ['module']),
  ]
  const sql = [
    'WITH',
    ctes.map(([name, body]) => `${name} AS (\n  ${indent(body)}\n)`).join(',\n'),
    'SELECT',
    `  ${[...outKeys, ...columns].join(',\n  ')}`,
    'FROM tenants AS t',
    ...joins,
    `WHERE ${where.join('\n  AND ')}`,
    `ORDER BY ${order.join(', ')}`,
    // Missing rows of a LEFT JOIN read as 0 (no usage), whatever the server's default.
    'SETTINGS join_use_nulls = 0',
  ].join('\n')
  return {
    ruleId: tree.ruleId,
    sql,
    params: p.values,
    paramTypes: p.types,
    paramSources: p.sources,
    runtimeParams: mode.kind === 'point' ? { asOf: 'Date' } : { from: 'Date', to: 'Date' },
    evidence,
    fanOut: tree.fanOut !== null,
  }
}

function lookbackParam(scope: Scope, days: number): ParamNode {
  return {
    kind: 'param',
    name: scope === 'tenant' ? 'lookback' : 'module_lookback',
    type: 'UInt32',
    value: days,
    source: 'the longest history a condition reads',
  }
}

// The traits a rule reads from group calls. Each is read out of the call's JSON once,
// in groupCalls, before any join: parsing it after range mode's join to the as-of days
// cost a second a backtest.
const traits = [
  { name: 'plan', read: "JSONExtractString(traits, 'plan')", type: 'String' },
  { name: 'seats', read: "JSONExtractFloat(traits, 'seats')", type: 'Float64' },
  { name: 'mrr', read: "JSONExtractFloat(traits, 'mrr')", type: 'Float64' },
] as const

/** The group calls before `before`, each with has_<trait> and <trait>_value columns. */
const groupCalls = (before: string) =>
  [
    'FROM (',
    '  SELECT tenant_id, timestamp,',
    `    ${traits.map((t) => `JSONHas(traits, '${t.name}') AS has_${t.name},\n    ${t.read} AS ${t.name}_value`).join(',\n    ')}`,
    '  FROM {db:Identifier}.lifecycle_events',
    `  WHERE type = 'group' AND toDate(timestamp) < ${before}`,
    ')',
  ].join('\n')

/**
 * Candidate tenants and their traits as of asOf: accounts whose lifecycle stage, as the
 * CRM decided it before asOf (account_stages, mirrored from its activity log), is in
 * the rule's audience, with plan, seats and MRR from the latest group call before asOf,
 * read from lifecycle_events, the small table of group calls and orders (tenant_traits
 * keeps only the newest row, which would let a backtest see a plan from its future;
 * `events` holds the same calls among millions of others). Copies of a redelivered call
 * or a re-mirrored move change no argMax.
 */
function tenantsCte(tree: RuleQueryNode, mode: Mode, p: ParamSink): string {
  if (tree.fanOut !== null) p.use(tree.fanOut)
  const plans = tree.plans === null ? null : p.use(tree.plans)
  const lifecycle = p.use(tree.lifecycle)
  if (mode.kind === 'point') {
    const latest = traits.map(
      (t) => `argMaxIf(${t.name}_value, timestamp, has_${t.name}) AS ${t.name}`,
    )
    return [
      'SELECT',
      `  ${['g.tenant_id AS tenant_id', ...traits.map((t) => `g.${t.name} AS ${t.name}`), 's.stage AS stage'].join(',\n  ')}`,
      'FROM (',
      '  SELECT',
      `    ${['tenant_id', ...latest].join(',\n    ')}`,
      `  ${indent(groupCalls('{asOf:Date}'))}`,
      '  GROUP BY tenant_id',
      ...(plans === null ? [] : [`  HAVING lower(plan) IN ${plans}`]),
      ') AS g',
      'INNER JOIN (',
      '  SELECT tenant_id, argMax(stage, (at, activity_id)) AS stage',
      '  FROM {db:Identifier}.account_stages',
      '  WHERE toDate(at) < {asOf:Date}',
      '  GROUP BY tenant_id',
      `  HAVING stage IN ${lifecycle}`,
      ') AS s ON s.tenant_id = g.tenant_id',
    ].join('\n')
  }
  // Range mode: each tenant's calls and stage moves in time order, then for every as-of
  // day after its first call the latest one before that day that set each trait, and
  // the stage of the latest move before it. Joining every call to every later day and
  // grouping them again cost five times as much.
  const fields = traits.flatMap((t) => [`has_${t.name}`, `${t.name}_value`])
  const callType = [
    'day Date',
    "timestamp DateTime64(3, \\'UTC\\')",
    ...traits.flatMap((t) => [`has_${t.name} UInt8`, `${t.name}_value ${t.type}`]),
  ]
  const latest = traits.map(
    (t) => `arrayLast(c -> c.day < as_of AND c.has_${t.name}, calls).${t.name}_value AS ${t.name}`,
  )
  return [
    'SELECT',
    `  ${['as_of', 'tenant_id', ...latest, 'arrayLast(s -> s.1 < as_of, moves).2 AS stage'].join(',\n  ')}`,
    'FROM (',
    '  SELECT tenant_id, arraySort(c -> c.timestamp, groupArray(CAST(',
    `    (toDate(timestamp), timestamp, ${fields.join(', ')}),`,
    `    'Tuple(${callType.join(', ')})'`,
    '  ))) AS calls',
    `  ${groupCalls('{to:Date}').replaceAll('\n', '\n  ')}`,
    '  GROUP BY tenant_id',
    ') AS g',
    'INNER JOIN (',
    '  SELECT tenant_id, arrayMap(s -> (s.3, s.4), arraySort(s -> (s.1, s.2),',
    '    groupArray((at, activity_id, toDate(at), stage)))) AS moves',
    '  FROM {db:Identifier}.account_stages',
    '  WHERE toDate(at) < {to:Date}',
    '  GROUP BY tenant_id',
    ') AS s USING tenant_id',
    `ARRAY JOIN arrayFilter(d -> d > calls[1].day, ${rangeDays}) AS as_of`,
    `WHERE stage IN ${lifecycle}`,
    ...(plans === null ? [] : [`  AND lower(plan) IN ${plans}`]),
  ].join('\n')
}

/**
 * Range mode: every tenant that may be a candidate on some as-of day, the filter of
 * the usage scans. A tenant in the audience as of a day moved into one of its stages
 * before it (and was on one of the plans, where the rule names plans), so this superset
 * needs no join to the days.
 */
function candidatesCte(tree: RuleQueryNode, p: ParamSink): string {
  const lines = [
    'SELECT DISTINCT tenant_id',
    'FROM {db:Identifier}.account_stages',
    `WHERE toDate(at) < {to:Date} AND stage IN ${p.use(tree.lifecycle)}`,
  ]
  if (tree.plans === null) return lines.join('\n')
  return [
    ...lines,
    '  AND tenant_id IN (',
    '    SELECT tenant_id',
    `    ${indent(groupCalls('{to:Date}'), '    ')}`,
    `    WHERE has_plan AND lower(plan_value) IN ${p.use(tree.plans)}`,
    '  )',
  ].join('\n')
}

/**
 * Point mode: one pass over a rollup for all the scope's aggregates, each with its own
 * window, on the smallest rollup that answers them all (metric-catalogue.ts, pickRollup).
 * Range mode has a pass per figure (compile-range.ts).
 */
function scanCte(scope: Scope, aggregates: readonly ScanAggregate[], lookback: string): string {
  const keys = scopeKeys(scope, pointMode)
  const needs = aggregates.map((a) => a.need)
  const rollup = pickRollup(needs)
  const select = [
    ...keys,
    ...aggregates.map((a) => `${aggregateSql(a.need.aggregate, a.pred, rollup)} AS ${a.alias}`),
  ]
  return [
    'SELECT',
    `  ${select.join(',\n  ')}`,
    `FROM {db:Identifier}.${rollup}`,
    `WHERE day >= {asOf:Date} - ${lookback} AND day < {asOf:Date}`,
    `  AND ${scanFilters(scope, rollup, needs, [], pointMode)}`,
    `GROUP BY ${keys.join(', ')}`,
  ].join('\n')
}
