import {
  type DerivedMetric,
  findMetric,
  type RenewalMetric,
  type StoredScoreMetric,
  type WindowMetric,
  ZSCORE_BASELINE_WINDOWS,
} from './metric-catalogue.js'
import {
  audienceOf,
  audiences,
  type Condition,
  defaultEvidenceKey,
  extrasOf,
  type Operator,
  PAID_MODULES,
  type Rule,
  type RuleModule,
} from './rule-schema.js'

// The tree a rule compiles through, after kysely's operation nodes: small read-only
// nodes with a `kind` discriminant. Building it is the compiler's second line of
// defence: a rule object that skipped validation still cannot put text into SQL, since
// every name is looked up in a closed table here and every value becomes a ParamNode.

export type ParamType = 'Float64' | 'UInt32' | 'String' | 'Array(String)' | 'Date'

export interface ParamNode {
  readonly kind: 'param'
  readonly name: string
  readonly type: ParamType
  readonly value: number | string | readonly string[]
  /** Where the value comes from in the rule, for explain output. */
  readonly source: string
}

/** `days` long, ending `offset` days before asOf. */
export interface WindowNode {
  readonly kind: 'window'
  readonly days: ParamNode
  readonly offset: ParamNode | null
}

/** Tenant scope: one value per tenant; module scope: one per tenant and paid module. */
export type Scope = 'tenant' | 'module'

export interface AggregateNode {
  readonly kind: 'aggregate'
  readonly def: WindowMetric
  readonly scope: Scope
  /** A fixed module; null when the metric spans all modules or fans out (scope module). */
  readonly module: ParamNode | null
  readonly window: WindowNode
}

export interface DerivedNode {
  readonly kind: 'derived'
  readonly def: DerivedMetric
  readonly of: AggregateNode
}

export interface RenewalNode {
  readonly kind: 'renewal'
  readonly def: RenewalMetric
}

export interface StoredScoreNode {
  readonly kind: 'stored'
  readonly def: StoredScoreMetric
}

export type MetricNode = AggregateNode | DerivedNode | RenewalNode | StoredScoreNode

export interface ComparisonNode {
  readonly kind: 'comparison'
  readonly index: number
  /** The evidence key of the value; extras are `<key>_<extra>`. */
  readonly key: string
  readonly extras: readonly string[]
  readonly metric: MetricNode
  readonly op: string
  readonly threshold: ParamNode
}

export interface RuleQueryNode {
  readonly kind: 'rule-query'
  readonly ruleId: string
  /** The lifecycle stages of the accounts the rule applies to, as of the evaluated day. */
  readonly lifecycle: ParamNode
  /** Plan names, lower case, that the account's plan must be one of; null: any plan. */
  readonly plans: ParamNode | null
  /** The paid modules a fanning-out rule runs over; null when it does not fan out. */
  readonly fanOut: ParamNode | null
  readonly all: readonly ComparisonNode[]
  readonly any: readonly ComparisonNode[]
}

/** A rule that cannot be compiled: it skipped validation. A bug, so it is thrown. */
export class RuleCompileError extends Error {
  override name = 'RuleCompileError'
}

const sqlOperators: Readonly<Record<Operator, string>> = {
  '>': '>',
  '>=': '>=',
  '<': '<',
  '<=': '<=',
  '==': '=',
  '!=': '!=',
}

const fail = (message: string): never => {
  throw new RuleCompileError(message)
}

function int(value: unknown, min: number, max: number, what: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
    fail(`${what} must be an integer in ${min}..${max}`)
  return value as number
}

function param(
  name: string,
  type: ParamType,
  value: ParamNode['value'],
  source: string,
): ParamNode {
  return Object.freeze({ kind: 'param', name, type, value, source })
}

/** Turns a (validated) rule into its tree; throws RuleCompileError on anything else. */
export function buildRuleTree(rule: Rule, modules: readonly RuleModule[]): RuleQueryNode {
  const known = new Set(modules.map((m) => m.key))
  const all = Array.isArray(rule?.conditions?.all) ? rule.conditions.all : []
  const any = Array.isArray(rule?.conditions?.any) ? rule.conditions.any : []
  if (all.length + any.length === 0) fail('a rule needs at least one condition')
  let index = 0
  const keys = new Set<string>()
  const build = (c: Condition, source: string) => {
    const node = buildComparison(c, index++, source, known)
    if (keys.has(node.key)) fail(`two conditions have the evidence key ${node.key}`)
    keys.add(node.key)
    return node
  }
  const allNodes = all.map((c, i) => build(c, `conditions.all.${i}`))
  const anyNodes = any.map((c, i) => build(c, `conditions.any.${i}`))
  const plans = rule.appliesTo?.plans
  if (plans !== undefined && !(Array.isArray(plans) && plans.every((p) => typeof p === 'string')))
    fail('appliesTo.plans must be a list of plan names')
  if (rule?.kind !== 'abm' && rule?.kind !== 'churn') fail('kind must be abm or churn')
  const lifecycle = audienceOf(rule)
  if (!Array.isArray(lifecycle) || !lifecycle.every((s) => audiences[rule.kind].includes(s)))
    fail(`appliesTo.lifecycle must name stages a ${rule.kind} rule applies to`)
  const fansOut = [...allNodes, ...anyNodes].some((n) => scopeOf(n.metric) === 'module')
  const paid = modules.filter((m) => m.paid).map((m) => m.key)
  return Object.freeze({
    kind: 'rule-query',
    ruleId: String(rule.id),
    lifecycle: param(
      'lifecycle',
      'Array(String)',
      lifecycle,
      rule.appliesTo?.lifecycle
        ? 'appliesTo.lifecycle'
        : `the default audience of ${rule.kind} rules`,
    ),
    plans:
      plans === undefined
        ? null
        : param(
            'plans',
            'Array(String)',
            plans.map((p) => p.toLowerCase()),
            'appliesTo.plans',
          ),
    fanOut: fansOut ? param('paid', 'Array(String)', paid, 'modules.json (paid)') : null,
    all: allNodes,
    any: anyNodes,
  })
}

export function scopeOf(metric: MetricNode): Scope {
  if (metric.kind === 'aggregate') return metric.scope
  if (metric.kind === 'derived') return metric.of.scope
  return 'tenant'
}

function buildComparison(
  c: Condition,
  index: number,
  source: string,
  known: ReadonlySet<string>,
): ComparisonNode {
  const def = findMetric(c?.metric) ?? fail(`${source}.metric: no such metric`)
  const op = Object.hasOwn(sqlOperators, c.op)
    ? sqlOperators[c.op]
    : fail(`${source}.op: no such operator`)
  if (typeof c.value !== 'number' || !Number.isFinite(c.value))
    fail(`${source}.value must be a finite number`)
  const key = c.key ?? defaultEvidenceKey(c)
  if (!/^[a-z][a-z0-9_]{0,62}$/.test(key)) fail(`${source}.key must be snake_case`)
  let metric: MetricNode
  if (def.shape === 'days_to_renewal') {
    metric = Object.freeze({ kind: 'renewal', def })
  } else if (def.shape === 'stored_score') {
    metric = Object.freeze({ kind: 'stored', def })
  } else if (def.shape === 'window') {
    metric = buildAggregate(def, c, index, source, known)
  } else {
    const base = findMetric(c.of)
    if (base?.shape !== 'window' || !base.comparable) fail(`${source}.of: no such metric`)
    const of = buildAggregate(base as WindowMetric, c, index, source, known)
    if (def.shape === 'trend_slope' && (of.window.days.value as number) < 3)
      fail(`${source}.window.days must be at least 3 for a trend`)
    metric = Object.freeze({ kind: 'derived', def, of })
  }
  return Object.freeze({
    kind: 'comparison',
    index,
    key,
    extras: extrasOf(def.name),
    metric,
    op,
    threshold: param(`p${index}`, 'Float64', c.value, `${source}.value`),
  })
}

function buildAggregate(
  def: WindowMetric,
  c: Condition,
  index: number,
  source: string,
  known: ReadonlySet<string>,
): AggregateNode {
  const days = int(c.window?.days, 1, 90, `${source}.window.days`)
  const offset =
    c.window?.offsetDays === undefined || c.window.offsetDays === 0
      ? null
      : int(c.window.offsetDays, 0, 90, `${source}.window.offsetDays`)
  const m = c.module
  if (m !== undefined && m !== PAID_MODULES && !(typeof m === 'string' && known.has(m)))
    fail(`${source}.module: no such module`)
  if (def.module === 'required' && m === undefined) fail(`${source}.module is required`)
  if (def.module === 'forbidden' && m !== undefined) fail(`${source}.module is not allowed`)
  return Object.freeze({
    kind: 'aggregate',
    def,
    scope: m === PAID_MODULES ? 'module' : 'tenant',
    module:
      m === undefined || m === PAID_MODULES
        ? null
        : param(`m${index}`, 'String', m, `${source}.module`),
    window: Object.freeze({
      kind: 'window',
      days: param(`w${index}`, 'UInt32', days, `${source}.window.days`),
      offset:
        offset === null
          ? null
          : param(`o${index}`, 'UInt32', offset, `${source}.window.offsetDays`),
    }),
  })
}

/** How many windows back an aggregate of this comparison reads (1 = just its own). */
export function windowsRead(metric: MetricNode): number {
  if (metric.kind !== 'derived') return 1
  if (metric.def.shape === 'pct_change') return 2
  if (metric.def.shape === 'zscore') return 1 + ZSCORE_BASELINE_WINDOWS
  return 1
}

/** Days of history before asOf the comparison reads from the rollup. */
export function lookbackDays(metric: MetricNode): number {
  const agg = metric.kind === 'derived' ? metric.of : metric.kind === 'aggregate' ? metric : null
  if (agg === null) return 0
  const offset = (agg.window.offset?.value as number | undefined) ?? 0
  return offset + windowsRead(metric) * (agg.window.days.value as number)
}
