import {
  activateRule,
  addRuleVersion,
  getRule,
  listRules,
  RuleKindChangeError,
  retireRule,
} from '../crm/rules-store.js'
import type { ModuleCatalogue } from '../ingest/module-catalogue.js'
import type { ClickHouse } from '../platform/clickhouse.js'
import { AppError } from '../platform/errors.js'
import type { Db } from '../platform/postgres.js'
import { backtestRule } from '../rules/backtest.js'
import { evaluateRule } from '../rules/evaluate.js'
import { parseRule, type Rule } from '../rules/rule-schema.js'
import type { ApiKeyIdentity } from './api-keys.js'
import { actorOf } from './auth.js'

export interface RulesDeps {
  db: Db
  ch: ClickHouse
  catalogue: ModuleCatalogue
}

type RuleRef = { ruleId: string; version?: number | undefined } | { rule: Record<string, unknown> }

/** The rule a request names: a stored version, or a draft validated on the spot. */
async function resolveRule(deps: RulesDeps, ref: RuleRef): Promise<Rule> {
  if ('rule' in ref) return validate(deps, ref.rule)
  const stored = await getRule(deps.db, ref.ruleId, ref.version)
  if (!stored)
    throw new AppError(
      'NOT_FOUND',
      `no rule ${ref.ruleId}${ref.version ? ` version ${ref.version}` : ''}`,
    )
  return validate(deps, stored.definition)
}

function validate(deps: RulesDeps, document: unknown): Rule {
  const parsed = parseRule(document, deps.catalogue.modules)
  if (!parsed.ok)
    throw new AppError('RULE_INVALID', 'the rule does not validate', { issues: parsed.issues })
  return parsed.rule
}

const today = () => new Date().toISOString().slice(0, 10)

export const rulesController = {
  list: async (deps: RulesDeps) => ({ items: await listRules(deps.db) }),

  /** A new version of a rule (a new rule starts as a draft); it runs once activated. */
  async create(deps: RulesDeps, who: ApiKeyIdentity, document: Record<string, unknown>) {
    const rule = validate(deps, document)
    try {
      const version = await addRuleVersion(deps.db, rule, actorOf(who))
      return { id: rule.id, version }
    } catch (error) {
      if (error instanceof RuleKindChangeError)
        throw new AppError('RULE_KIND_CHANGE', error.message)
      throw error
    }
  },

  async activate(deps: RulesDeps, id: string, version: number) {
    const stored = await getRule(deps.db, id, version)
    if (!stored) throw new AppError('NOT_FOUND', `no rule ${id} version ${version}`)
    // A stored version may predate a change of the module catalogue: check it again.
    validate(deps, stored.definition)
    await activateRule(deps.db, id, version)
    return { id, version }
  },

  async retire(deps: RulesDeps, id: string) {
    const stored = await getRule(deps.db, id)
    if (!stored) throw new AppError('NOT_FOUND', `no rule ${id}`)
    await retireRule(deps.db, id)
    return { id, version: stored.version }
  },

  /** What the rule would fire now (or as of a day), writing nothing. */
  async dryRun(deps: RulesDeps, body: RuleRef & { asOf?: string | undefined }) {
    const rule = await resolveRule(deps, body)
    const asOf = body.asOf ?? today()
    const firings = await evaluateRule(deps.ch, rule, {
      asOf: new Date(`${asOf}T00:00:00Z`),
      modules: deps.catalogue.modules,
    })
    return { ruleId: rule.id, asOf, firings: firings.map(({ ruleId: _r, kind: _k, ...f }) => f) }
  },

  async backtest(
    deps: RulesDeps,
    body: RuleRef & { from: string; to: string; horizonDays: number },
  ) {
    if (body.from > body.to)
      throw new AppError('BAD_REQUEST', `from ${body.from} is after to ${body.to}`)
    const rule = await resolveRule(deps, body)
    const started = performance.now()
    const report = await backtestRule(deps, rule, {
      from: new Date(`${body.from}T00:00:00Z`),
      to: new Date(`${body.to}T00:00:00Z`),
      horizonDays: body.horizonDays,
      modules: deps.catalogue.modules,
    })
    return { ...report, seconds: Math.round(performance.now() - started) / 1000 }
  },
}
