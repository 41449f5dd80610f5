import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { formatRuleIssues, parseRule, type Rule, type RuleModule } from './rule-schema.js'

export const builtinRulesDir = path.join(import.meta.dirname, 'builtin')

/**
 * The rules that ship with the product, validated against the module catalogue. A file
 * that does not validate is a bug in the release, so it throws, naming file and field.
 */
export function loadBuiltinRules(modules: readonly RuleModule[], dir = builtinRulesDir): Rule[] {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
  return files.map((file) => {
    const parsed = parseRule(JSON.parse(readFileSync(path.join(dir, file), 'utf8')), modules)
    if (!parsed.ok) throw new Error(`rules/builtin/${file}:\n${formatRuleIssues(parsed.issues)}`)
    if (`${parsed.rule.id}.json` !== file)
      throw new Error(`rules/builtin/${file}: the id must match the file name`)
    return parsed.rule
  })
}
