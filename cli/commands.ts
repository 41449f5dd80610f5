import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { createApiKey, type KeyRole, keyRoles } from '../api/api-keys.js'
import { applyFirings } from '../crm/apply-firings.js'
import { rebuildLifecycleMirror } from '../crm/mirror-lifecycle.js'
import { getRule } from '../crm/rules-store.js'
import { loadModuleCatalogue } from '../ingest/module-catalogue.js'
import { evaluateActiveRules } from '../jobs/evaluate-rules.js'
import { syncCrm } from '../jobs/sync-crm.js'
import type { Config } from '../platform/config.js'
import type { Logger } from '../platform/logger.js'
import { backtestRule } from '../rules/backtest.js'
import { explainRule } from '../rules/explain-rule.js'
import { formatRuleIssues, parseRule, type Rule } from '../rules/rule-schema.js'
import { startRuntime } from './runtime.js'

const fail = (message: string): number => {
  process.stderr.write(`${message}\n`)
  return 1
}

function readRule(file: string, config: Config): Rule | string {
  let document: unknown
  try {
    document = JSON.parse(readFileSync(file, 'utf8'))
  } catch (error) {
    return `cannot read ${file}: ${(error as Error).message}`
  }
  const parsed = parseRule(document, loadModuleCatalogue(config.modulesFile).modules)
  return parsed.ok ? parsed.rule : `${file} does not validate:\n${formatRuleIssues(parsed.issues)}`
}

/** tenantpulse rules explain <file> [--backtest]: the compiled SQL and its parameters. */
export function rulesExplain(args: string[], config: Config): number {
  const { positionals, values } = parseArgs({
    args,
    allowPositionals: true,
    options: { backtest: { type: 'boolean' } },
  })
  const file = positionals[0]
  if (!file) return fail('usage: tenantpulse rules explain <rule.json> [--backtest]')
  const rule = readRule(file, config)
  if (typeof rule === 'string') return fail(rule)
  process.stdout.write(
    explainRule(rule, loadModuleCatalogue(config.modulesFile).modules, {
      backtest: values.backtest ?? false,
    }),
  )
  return 0
}

/** tenantpulse evaluate [--kind abm|churn] [--as-of DAY] [--dry-run]: run the active rules now. */
export async function evaluateNow(args: string[], config: Config, log: Logger): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      kind: { type: 'string' },
      'as-of': { type: 'string' },
      'dry-run': { type: 'boolean' },
    },
  })
  const kinds = values.kind ? [values.kind] : ['abm', 'churn']
  if (!kinds.every((k) => k === 'abm' || k === 'churn')) return fail('--kind is abm or churn')
  const runtime = await startRuntime(config, log)
  try {
    // As the evaluate job does: the lifecycle events committed so far reach the CRM,
    // and the CRM's stages reach the rules, before they run. A dry run writes nothing.
    if (!values['dry-run']) {
      const synced = await syncCrm(runtime, {
        overlapMs: config.CRM_SYNC_OVERLAP_SECONDS * 1000,
        pageSize: config.CRM_SYNC_PAGE_SIZE,
        freePlans: config.FREE_PLANS,
      })
      process.stdout.write(`${JSON.stringify({ synced })}\n`)
    }
    for (const kind of kinds as Array<'abm' | 'churn'>) {
      const started = performance.now()
      const result = await evaluateActiveRules(
        { ...runtime, modules: runtime.catalogue.modules },
        { kind, asOf: values['as-of'] },
      )
      const seconds = (performance.now() - started) / 1000
      const applied = values['dry-run']
        ? undefined
        : await applyFirings(runtime.db, result.firings, new Date(`${result.asOf}T00:00:00Z`))
      process.stdout.write(
        `${JSON.stringify({ kind, asOf: result.asOf, rules: result.rules, firings: result.firings.length, seconds, applied, invalid: result.invalid })}\n`,
      )
    }
  } finally {
    await runtime.close()
  }
  return 0
}

/** tenantpulse backtest (--rule ID | --file F) --from DAY --to DAY [--horizon DAYS]. */
export async function backtest(args: string[], config: Config, log: Logger): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      rule: { type: 'string' },
      file: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      horizon: { type: 'string' },
    },
  })
  if ((!values.rule && !values.file) || !values.from || !values.to) {
    return fail(
      'usage: tenantpulse backtest (--rule <id> | --file <rule.json>) --from YYYY-MM-DD --to YYYY-MM-DD [--horizon 30]',
    )
  }
  const runtime = await startRuntime(config, log)
  try {
    let rule: Rule | string
    if (values.file) rule = readRule(values.file, config)
    else {
      const stored = await getRule(runtime.db, values.rule!)
      if (!stored) return fail(`no rule ${values.rule}`)
      const parsed = parseRule(stored.definition, runtime.catalogue.modules)
      rule = parsed.ok ? parsed.rule : formatRuleIssues(parsed.issues)
    }
    if (typeof rule === 'string') return fail(rule)
    const started = performance.now()
    const report = await backtestRule(runtime, rule, {
      from: new Date(`${values.from}T00:00:00Z`),
      to: new Date(`${values.to}T00:00:00Z`),
      horizonDays: Number(values.horizon ?? 30),
      modules: runtime.catalogue.modules,
    })
    process.stdout.write(
      `${JSON.stringify({ ...report, seconds: (performance.now() - started) / 1000 }, null, 2)}\n`,
    )
  } finally {
    await runtime.close()
  }
  return 0
}

/** tenantpulse keys create --role ROLE --name NAME: prints the key once. */
export async function keysCreate(args: string[], config: Config, log: Logger): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { role: { type: 'string' }, name: { type: 'string' } },
  })
  const role = values.role as KeyRole
  if (!keyRoles.includes(role) || !values.name) {
    return fail(`usage: tenantpulse keys create --role ${keyRoles.join('|')} --name <name>`)
  }
  const runtime = await startRuntime(config, log)
  try {
    const key = await createApiKey(runtime.db, { role, name: values.name })
    process.stdout.write(
      `${JSON.stringify({ id: key.id, role: key.role, name: key.name, key: key.key })}\n`,
    )
    process.stderr.write('The key is shown once; only its hash is stored.\n')
  } finally {
    await runtime.close()
  }
  return 0
}

/**
 * tenantpulse crm mirror --rebuild: writes ClickHouse's account_stages anew from the CRM
 * store's activity log, the truth it mirrors (after a restore, or a lost ClickHouse).
 */
export async function crmMirror(args: string[], config: Config, log: Logger): Promise<number> {
  const { values } = parseArgs({ args, options: { rebuild: { type: 'boolean' } } })
  if (!values.rebuild) return fail('usage: tenantpulse crm mirror --rebuild')
  const runtime = await startRuntime(config, log)
  try {
    const started = performance.now()
    const rebuilt = await rebuildLifecycleMirror(runtime, { pageSize: config.CRM_SYNC_PAGE_SIZE })
    const seconds = ((performance.now() - started) / 1000).toFixed(1)
    process.stdout.write(
      `account_stages rebuilt: ${rebuilt.copied} lifecycle moves copied from the activity log in ${seconds} s\n`,
    )
  } finally {
    await runtime.close()
  }
  return 0
}
