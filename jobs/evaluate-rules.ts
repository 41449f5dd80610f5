import type { RuleFiring } from '../crm/apply-firings.js'
import { activeRules } from '../crm/rules-store.js'
import type { ClickHouse } from '../platform/clickhouse.js'
import type { Db } from '../platform/postgres.js'
import { evaluateRules } from '../rules/evaluate.js'
import { parseRule, type Rule, type RuleModule } from '../rules/rule-schema.js'

export interface EvaluateInput {
  kind: 'abm' | 'churn'
  /** Evaluate as of the start of this UTC day; default: today, so yesterday is the last day seen. */
  asOf?: string | undefined
}

export interface EvaluateResult {
  asOf: string
  rules: number
  firings: RuleFiring[]
  /** Stored rules that no longer validate (a module left the catalogue, say). */
  invalid: string[]
}

/**
 * The evaluate step: the active version of each active rule of a kind, compiled and run
 * over the rollups for all accounts at once. It writes nothing; the apply step does.
 * Each run recomputes its windows from the rollups, so late events count next time.
 */
export async function evaluateActiveRules(
  deps: { ch: ClickHouse; db: Db; modules: readonly RuleModule[] },
  input: EvaluateInput,
  now = new Date(),
): Promise<EvaluateResult> {
  const asOf = input.asOf ?? now.toISOString().slice(0, 10)
  const stored = await activeRules(deps.db, input.kind)
  const rules: Array<{ rule: Rule; version: number }> = []
  const invalid: string[] = []
  for (const s of stored) {
    const parsed = parseRule(s.definition, deps.modules)
    if (parsed.ok) rules.push({ rule: parsed.rule, version: s.version })
    else invalid.push(s.id)
  }
  const versions = new Map(rules.map((r) => [r.rule.id, r]))
  const firings = await evaluateRules(
    deps.ch,
    rules.map((r) => r.rule),
    { asOf: new Date(`${asOf}T00:00:00Z`), modules: deps.modules },
  )
  return {
    asOf,
    rules: rules.length,
    invalid,
    firings: firings.map((f) => {
      const { rule, version } = versions.get(f.ruleId)!
      return {
        ruleId: f.ruleId,
        ruleVersion: version,
        kind: f.kind,
        tenantId: f.tenantId,
        module: f.module,
        intentTag: f.intentTag,
        score: f.score,
        severity: f.severity,
        title: f.title,
        cooldownDays: rule.cooldownDays,
        evidence: f.evidence,
      }
    }),
  }
}
