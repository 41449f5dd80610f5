import { z } from 'zod'
import { type Lifecycle, lifecycleStates } from '../crm/lifecycle.js'
import {
  comparableMetricNames,
  findMetric,
  type MetricDef,
  type MetricName,
  metricNames,
} from './metric-catalogue.js'

/** What a rule needs to know of a module: modules.json's key, name and paid flag. */
export interface RuleModule {
  key: string
  name: string
  paid: boolean
}

/**
 * The lifecycle stages each kind of rule may apply to, the first being its default
 * audience: apply opens leads only for prospects and leads, and alerts only for
 * customers (crm/apply-firings.ts), so a rule aimed elsewhere could never act.
 */
export const audiences: Readonly<Record<'abm' | 'churn', readonly Lifecycle[]>> = {
  abm: ['prospect', 'lead'],
  churn: ['customer'],
}

/** The stages a rule applies to: its `appliesTo.lifecycle`, else its kind's default. */
export function audienceOf(rule: {
  kind: 'abm' | 'churn'
  appliesTo?: { lifecycle?: readonly Lifecycle[] | undefined } | undefined
}): readonly Lifecycle[] {
  return rule.appliesTo?.lifecycle ?? audiences[rule.kind]
}

/** Fan out: the condition is evaluated once per paid module of the tenant. */
export const PAID_MODULES = '$paid'

export const operators = ['>', '>=', '<', '<=', '==', '!='] as const
export type Operator = (typeof operators)[number]

const slug = /^[a-z0-9]+(?:-[a-z0-9]+)*$/
const evidenceKey = /^[a-z][a-z0-9_]{0,62}$/
const placeholder = /\{([^{}]*)\}/g

/** A number that ClickHouse can take as Float64: no NaN, no infinities. */
const threshold = z.number().refine(Number.isFinite, 'must be a finite number')

function conditionSchema(moduleChoices: [string, ...string[]]) {
  return z
    .strictObject({
      /** The evidence key of the condition's value; default `<metric>[_<of>]_<days>d`. */
      key: z.string().regex(evidenceKey, 'must be snake_case, at most 63 characters').optional(),
      metric: z.enum(metricNames),
      of: z.enum(comparableMetricNames).optional(),
      module: z.enum(moduleChoices).optional(),
      window: z
        .strictObject({
          days: z.int().min(1).max(90),
          /** The window ends this many days before asOf (default 0: the day before asOf). */
          offsetDays: z.int().min(0).max(90).optional(),
        })
        .optional(),
      compareTo: z.enum(['previous_window', 'own_baseline']).optional(),
      op: z.enum(operators),
      value: threshold,
    })
    .superRefine((c, ctx) => {
      const def = findMetric(c.metric)
      if (def === undefined) return
      for (const issue of conditionIssues(def, c)) ctx.addIssue({ code: 'custom', ...issue })
    })
}

interface ConditionShape {
  metric: MetricName
  of?: MetricName | undefined
  module?: string | undefined
  window?: { days: number; offsetDays?: number | undefined } | undefined
  compareTo?: string | undefined
}

function conditionIssues(def: MetricDef, c: ConditionShape) {
  const issues: Array<{ path: string[]; message: string }> = []
  const add = (path: string, message: string) => issues.push({ path: [path], message })
  if (def.module === 'required' && c.module === undefined)
    add('module', `${def.name} needs a module (a module key or "${PAID_MODULES}")`)
  if (def.module === 'forbidden' && c.module !== undefined)
    add('module', `${def.name} is not per module`)
  const derived =
    def.shape === 'pct_change' || def.shape === 'zscore' || def.shape === 'trend_slope'
  if (derived && c.of === undefined) add('of', `${def.name} needs "of": the metric it is about`)
  if (!derived && c.of !== undefined) add('of', `${def.name} takes no "of"`)
  if (derived && c.of !== undefined && findMetric(c.of)?.module === 'required' && !c.module)
    add('module', `${c.of} needs a module`)
  if (def.shape === 'days_to_renewal' || def.shape === 'stored_score') {
    if (c.window !== undefined) add('window', `${def.name} takes no window`)
  } else if (c.window === undefined) add('window', `${def.name} needs a window: { "days": 1..90 }`)
  if (def.shape === 'trend_slope' && c.window !== undefined && c.window.days < 3)
    add('window', 'a trend needs a window of at least 3 days')
  const compareTo =
    def.shape === 'pct_change' ? 'previous_window' : def.shape === 'zscore' ? 'own_baseline' : null
  if (def.shape === 'pct_change' && c.compareTo !== 'previous_window')
    add('compareTo', 'pct_change compares with "previous_window"; say so')
  else if (compareTo === null && c.compareTo !== undefined)
    add('compareTo', `${def.name} compares with nothing`)
  else if (compareTo !== null && c.compareTo !== undefined && c.compareTo !== compareTo)
    add('compareTo', `${def.name} compares with "${compareTo}"`)
  return issues
}

/** The default evidence key of a condition, e.g. `pct_change_active_users_7d`. */
export function defaultEvidenceKey(c: ConditionShape): string {
  const parts: string[] = [c.metric]
  if (c.of !== undefined) parts.push(c.of)
  if (c.window !== undefined) parts.push(`${c.window.days}d`)
  if (c.window?.offsetDays) parts.push(`${c.window.offsetDays}d_ago`)
  return parts.join('_')
}

const templateText = z.string().min(1).max(300)

/** The rule schema for a module catalogue: module names must be the catalogue's. */
export function createRuleSchema(modules: readonly RuleModule[]) {
  const keys = modules.map((m) => m.key)
  const condition = conditionSchema([PAID_MODULES, ...keys])
  const common = {
    id: z.string().max(64).regex(slug, 'must be a slug: lower case, digits and dashes'),
    name: z.string().min(1).max(120),
    description: z.string().max(2000).default(''),
    appliesTo: z
      .strictObject({
        // The CRM's own decision about each account, as of the evaluated day.
        lifecycle: z.array(z.enum(lifecycleStates)).min(1).optional(),
        // An optional extra filter in the customer's own plan names (any case).
        plans: z
          .array(
            z
              .string()
              .trim()
              .min(1, 'must be a plan name')
              .max(100, 'must be a plan name of at most 100 characters'),
          )
          .min(1)
          .optional(),
      })
      .default({}),
    conditions: z
      .strictObject({
        all: z.array(condition).max(12).default([]),
        any: z.array(condition).max(12).optional(),
      })
      .refine(
        (c) => c.all.length + (c.any?.length ?? 0) > 0,
        'a rule needs at least one condition',
      ),
    cooldownDays: z.int().min(0).max(365),
  }
  const abm = z.strictObject({
    ...common,
    kind: z.literal('abm'),
    produces: z.strictObject({
      intentTag: z
        .string()
        .regex(/^[a-z0-9_:.{}-]{1,64}$/, 'must be a tag such as "module:{module}"'),
      score: z.number().min(0).max(100),
    }),
  })
  const churn = z.strictObject({
    ...common,
    kind: z.literal('churn'),
    produces: z.strictObject({
      severity: z.enum(['low', 'medium', 'high']),
      title: templateText,
    }),
  })
  return z.discriminatedUnion('kind', [abm, churn]).superRefine((rule, ctx) => {
    const allowedStages = audiences[rule.kind]
    for (const [i, stage] of (rule.appliesTo.lifecycle ?? []).entries()) {
      if (allowedStages.includes(stage)) continue
      ctx.addIssue({
        code: 'custom',
        path: ['appliesTo', 'lifecycle', i],
        message: `a ${rule.kind} rule ${rule.kind === 'abm' ? 'opens leads' : 'raises alerts'}, which the CRM does for ${allowedStages.join(' and ')} accounts only; ${stage} is not one`,
      })
    }
    const conditions = [
      ...rule.conditions.all.map((c, i) => ({ c, path: ['conditions', 'all', i] })),
      ...(rule.conditions.any ?? []).map((c, i) => ({ c, path: ['conditions', 'any', i] })),
    ]
    const allowed = new Set(['tenantId', 'module', 'moduleName'])
    for (const { c, path } of conditions) {
      const key = c.key ?? defaultEvidenceKey(c)
      if (allowed.has(key)) {
        ctx.addIssue({
          code: 'custom',
          path: [...path, 'key'],
          message: `evidence key "${key}" is taken by another condition; set "key" to tell them apart`,
        })
      }
      allowed.add(key)
      for (const extra of extrasOf(c.metric)) allowed.add(`${key}_${extra}`)
    }
    const fansOut = conditions.some(({ c }) => c.module === PAID_MODULES)
    const template =
      rule.kind === 'abm'
        ? { text: rule.produces.intentTag, path: ['produces', 'intentTag'] }
        : { text: rule.produces.title, path: ['produces', 'title'] }
    for (const [, name = ''] of template.text.matchAll(placeholder)) {
      const moduleOnly = name === 'module' || name === 'moduleName'
      if (!allowed.has(name) || (moduleOnly && !fansOut) || (rule.kind === 'abm' && !moduleOnly)) {
        ctx.addIssue({
          code: 'custom',
          path: template.path,
          message: `unknown placeholder {${name}}; known: ${[...allowed].filter((k) => fansOut || (k !== 'module' && k !== 'moduleName')).join(', ')}`,
        })
      }
    }
  })
}

/** The extra evidence a metric brings besides its value, e.g. `_current`, `_previous`. */
export function extrasOf(metric: string): string[] {
  const def = findMetric(metric)
  if (def === undefined) return []
  if (def.shape === 'pct_change') return ['current', 'previous']
  if (def.shape === 'zscore') return ['current', 'baseline']
  if (def.shape === 'window' && def.extras) return Object.keys(def.extras)
  return []
}

export type RuleSchema = ReturnType<typeof createRuleSchema>
export type Rule = z.output<RuleSchema>
export type AbmRule = Extract<Rule, { kind: 'abm' }>
export type ChurnRule = Extract<Rule, { kind: 'churn' }>
export type Condition = Rule['conditions']['all'][number]

export interface RuleIssue {
  /** Where in the document, e.g. `conditions.all.0.value`. */
  path: string
  message: string
}

export type RuleParseResult = { ok: true; rule: Rule } | { ok: false; issues: RuleIssue[] }

// A schema per module list, built on first use: a job validates every stored rule at
// each run against the same catalogue.
const schemas = new WeakMap<readonly RuleModule[], RuleSchema>()

/** Validates a rule document. A bad document is an expected outcome, not an exception. */
export function parseRule(input: unknown, modules: readonly RuleModule[]): RuleParseResult {
  let schema = schemas.get(modules)
  if (schema === undefined) {
    schema = createRuleSchema(modules)
    schemas.set(modules, schema)
  }
  const result = schema.safeParse(input)
  if (result.success) return { ok: true, rule: result.data }
  return {
    ok: false,
    issues: result.error.issues.map((issue) => ({
      path: issue.path.map(String).join('.'),
      message: issue.message,
    })),
  }
}

/** Issues as one line each, `path: message`, for CLI output and error details. */
export function formatRuleIssues(issues: readonly RuleIssue[]): string {
  return issues.map((i) => `${i.path || '(rule)'}: ${i.message}`).join('\n')
}
