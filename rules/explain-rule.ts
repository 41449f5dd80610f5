import { type CompiledQuery, compileBacktest, compileRule } from './compile.js'
import type { Rule, RuleModule } from './rule-schema.js'

export interface ExplainOptions {
  /** Explain the backtest query (every day from..to) instead of the one-day query. */
  backtest?: boolean
}

/**
 * The compiled query of a rule as a person reads it: a header naming every parameter,
 * its type, value and where in the rule it comes from, then the SQL with its
 * placeholders left in place (that is the query ClickHouse receives).
 */
export function explainRule(
  rule: Rule,
  modules: readonly RuleModule[],
  options: ExplainOptions = {},
): string {
  const query = options.backtest ? compileBacktest(rule, modules) : compileRule(rule, modules)
  return `${explainHeader(rule, query, options)}\n${query.sql}\n`
}

function explainHeader(rule: Rule, query: CompiledQuery, options: ExplainOptions): string {
  const lines = [
    `-- rule ${rule.id} (${rule.kind}): ${rule.name}`,
    options.backtest
      ? '-- evaluates the rule as of every day from..to, for all candidate tenants, in one query'
      : '-- evaluates the rule as of one day, for all candidate tenants, in one query',
    '-- parameters (sent as typed query parameters, never spliced into the SQL):',
  ]
  const rows: Array<[string, string, string]> = []
  for (const [name, type] of Object.entries(query.runtimeParams)) {
    rows.push([`{${name}:${type}}`, '(given at run time)', runtimeMeaning[name] ?? ''])
  }
  for (const [name, value] of Object.entries(query.params)) {
    const type = query.paramTypes[name]
    rows.push([`{${name}:${type}}`, JSON.stringify(value), query.paramSources[name] ?? ''])
  }
  const width = Math.max(...rows.map(([p]) => p.length))
  const valueWidth = Math.max(...rows.map(([, v]) => Math.min(v.length, 40)))
  for (const [p, v, source] of rows) {
    lines.push(`--   ${p.padEnd(width)}  ${v.padEnd(valueWidth)}  ${source}`.trimEnd())
  }
  lines.push(`-- evidence: ${query.evidence.map((e) => `${e.column} → ${e.key}`).join(', ')}`)
  return lines.join('\n')
}

const runtimeMeaning: Record<string, string> = {
  asOf: 'the evaluation day: only days before it count',
  from: 'the first as-of day',
  to: 'the last as-of day',
}
