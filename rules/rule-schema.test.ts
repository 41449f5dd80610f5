import { readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadBuiltinRules } from './builtin.js'
import { metricCatalogue } from './metric-catalogue.js'
import { audienceOf, formatRuleIssues, parseRule, type RuleIssue } from './rule-schema.js'
import { testModules } from './test-ingest.js'

const valid = {
  id: 'wau-drop',
  name: 'WAU drop',
  kind: 'churn',
  appliesTo: { plans: ['starter'] },
  conditions: {
    all: [
      {
        metric: 'pct_change',
        of: 'active_users',
        compareTo: 'previous_window',
        window: { days: 7 },
        op: '<=',
        value: -40,
      },
    ],
  },
  produces: { severity: 'medium', title: 'WAU {pct_change_active_users_7d}%' },
  cooldownDays: 7,
}

type Doc = Record<string, unknown>
const withCondition = (patch: Doc): Doc => ({
  ...valid,
  conditions: { all: [{ ...valid.conditions.all[0], ...patch }] },
})

function issuesOf(doc: unknown): RuleIssue[] {
  const result = parseRule(doc, testModules())
  if (result.ok) throw new Error('expected the rule to be refused')
  return result.issues
}

describe('a well-formed rule', () => {
  it('parses, with defaults filled in', () => {
    const result = parseRule(valid, testModules())
    expect(result.ok).toBe(true)
    if (result.ok) expect(result.rule.description).toBe('')
  })

  it('includes every built-in rule', () => {
    const rules = loadBuiltinRules(testModules())
    expect(rules.map((r) => r.id)).toEqual([
      'churn-risk',
      'free-plan-limit-pressure',
      'inactivity',
      'key-module-abandoned',
      'low-seat-utilisation',
      'paid-module-interest',
      'pricing-page-revisits',
      'renewal-at-risk',
      'usage-drop',
    ])
  })
})

describe('a rule with a bad field', () => {
  it.each([
    ['an unknown metric', withCondition({ metric: 'revenue' }), 'conditions.all.0.metric'],
    ['an unknown operator', withCondition({ op: '=~' }), 'conditions.all.0.op'],
    ['an unknown module', withCondition({ module: 'crm' }), 'conditions.all.0.module'],
    ['a window of 0 days', withCondition({ window: { days: 0 } }), 'conditions.all.0.window.days'],
    [
      'a window over 90 days',
      withCondition({ window: { days: 91 } }),
      'conditions.all.0.window.days',
    ],
    [
      'a fractional window',
      withCondition({ window: { days: 1.5 } }),
      'conditions.all.0.window.days',
    ],
    [
      'no comparison for a change',
      withCondition({ compareTo: undefined }),
      'conditions.all.0.compareTo',
    ],
    ['a change of nothing', withCondition({ of: undefined }), 'conditions.all.0.of'],
    ['a threshold as text', withCondition({ value: '10' }), 'conditions.all.0.value'],
    [
      'an infinite threshold',
      withCondition({ value: Number.POSITIVE_INFINITY }),
      'conditions.all.0.value',
    ],
    ['a NaN threshold', withCondition({ value: Number.NaN }), 'conditions.all.0.value'],
    ['an unknown field', withCondition({ sql: 'SELECT 1' }), 'conditions.all.0'],
    ['an id that is no slug', { ...valid, id: 'Bad Id' }, 'id'],
    ['an unknown kind', { ...valid, kind: 'upsell' }, 'kind'],
    ['a negative cool-down', { ...valid, cooldownDays: -1 }, 'cooldownDays'],
    ['no conditions', { ...valid, conditions: { all: [] } }, 'conditions'],
    [
      'a title with an unknown placeholder',
      { ...valid, produces: { severity: 'low', title: 'x {nope}' } },
      'produces.title',
    ],
    [
      'a module placeholder in a rule that does not fan out',
      { ...valid, produces: { severity: 'low', title: 'x {moduleName}' } },
      'produces.title',
    ],
  ])('with %s, names the field', (_situation, doc, path) => {
    expect(issuesOf(doc).map((i) => i.path)).toContain(path)
  })

  it('with a module on a metric that has none, says so', () => {
    const issues = issuesOf(
      withCondition({
        metric: 'seat_utilisation',
        of: undefined,
        compareTo: undefined,
        module: 'analytics',
      }),
    )
    expect(issues).toContainEqual({
      path: 'conditions.all.0.module',
      message: 'seat_utilisation is not per module',
    })
  })

  it('with two conditions of the same evidence key, asks for a key', () => {
    const c = valid.conditions.all[0]
    const issues = issuesOf({ ...valid, conditions: { all: [c, c] } })
    expect(issues[0]?.path).toBe('conditions.all.1.key')
    expect(issues[0]?.message).toMatch(/evidence key "pct_change_active_users_7d" is taken/)
  })

  it('formats the issues one a line, path first', () => {
    const text = formatRuleIssues(issuesOf(withCondition({ op: '=~', value: 'x' })))
    expect(text.split('\n')).toEqual([
      expect.stringMatching(/^conditions\.all\.0\.op: /),
      expect.stringMatching(/^conditions\.all\.0\.value: /),
    ])
  })
})

describe('a rule carrying SQL in its fields', () => {
  const attack = '1; DROP TABLE events'

  it.each([
    ['threshold', withCondition({ value: attack }), 'conditions.all.0.value'],
    ['metric name', withCondition({ metric: attack }), 'conditions.all.0.metric'],
    ['module name', withCondition({ module: attack }), 'conditions.all.0.module'],
    ['operator', withCondition({ op: attack }), 'conditions.all.0.op'],
    ['window', withCondition({ window: { days: attack } }), 'conditions.all.0.window.days'],
    ['evidence key', withCondition({ key: attack }), 'conditions.all.0.key'],
    ['lifecycle stage', { ...valid, appliesTo: { lifecycle: [attack] } }, 'appliesTo.lifecycle.0'],
    ['id', { ...valid, id: attack }, 'id'],
  ])('in its %s, is refused at that field', (_field, doc, path) => {
    expect(issuesOf(doc).map((i) => i.path)).toContain(path)
  })
})

describe("a rule's audience", () => {
  const parsed = (doc: Doc) => {
    const result = parseRule(doc, testModules())
    if (!result.ok) throw new Error(JSON.stringify(result.issues))
    return result.rule
  }

  it("is the lifecycle stages the CRM decided, by default its kind's own", () => {
    const { appliesTo: _none, ...rest } = valid
    expect(audienceOf(parsed(rest))).toEqual(['customer'])
    expect(audienceOf(parsed({ ...rest, appliesTo: { lifecycle: ['customer'] } }))).toEqual([
      'customer',
    ])
  })

  it("takes plan names in the customer's own words, spaces and capitals too", () => {
    const rule = parsed({ ...valid, appliesTo: { plans: ['Pro Annual', 'Team'] } })
    expect(rule.appliesTo.plans).toEqual(['Pro Annual', 'Team'])
  })

  it('refuses a stage a rule of its kind could never act on, naming the field', () => {
    const issues = issuesOf({ ...valid, appliesTo: { lifecycle: ['customer', 'prospect'] } })
    expect(issues).toEqual([
      {
        path: 'appliesTo.lifecycle.1',
        message:
          'a churn rule raises alerts, which the CRM does for customer accounts only; prospect is not one',
      },
    ])
  })

  it('refuses a stage that is not one', () => {
    expect(issuesOf({ ...valid, appliesTo: { lifecycle: ['paying'] } }).map((i) => i.path)).toEqual(
      ['appliesTo.lifecycle.0'],
    )
  })
})

describe('the README', () => {
  it('lists every metric of the catalogue', () => {
    const readme = readFileSync(path.join(import.meta.dirname, 'README.md'), 'utf8')
    for (const metric of metricCatalogue) expect(readme).toContain(`| \`${metric.name}\``)
  })
})
