import { beforeAll, describe, expect, it } from 'vitest'
import type { ClickHouse } from '../platform/clickhouse.js'
import { queryRows, useTestClickHouse } from '../test/clickhouse.js'
import { useTestPostgres } from '../test/postgres.js'
import { loadBuiltinRules } from './builtin.js'
import { compileBacktest, compileRule } from './compile.js'
import { explainRule } from './explain-rule.js'
import { RuleCompileError } from './rule-ast.js'
import type { Rule } from './rule-schema.js'
import { createTestIngest, testModules } from './test-ingest.js'
import { AS_OF_DAY, dayDate, storyEvents } from './test-stories.js'

let ch: ClickHouse
beforeAll(async () => {
  ch = await useTestClickHouse()
  await createTestIngest(ch, { db: await useTestPostgres() })(storyEvents())
})

const builtin = (id: string): Rule => {
  const rule = loadBuiltinRules(testModules()).find((r) => r.id === id)
  if (rule === undefined) throw new Error(`no built-in rule ${id}`)
  return rule
}
const asOf = dayDate(AS_OF_DAY).toISOString().slice(0, 10)

describe('a rule over one tenant-level metric (inactivity)', () => {
  const query = compileRule(builtin('inactivity'), testModules())

  it('compiles to this SQL, every value a placeholder', () => {
    expect(query.sql).toBe(`WITH
tenants AS (
  SELECT
    g.tenant_id AS tenant_id,
    g.plan AS plan,
    g.seats AS seats,
    g.mrr AS mrr,
    s.stage AS stage
  FROM (
    SELECT
      tenant_id,
      argMaxIf(plan_value, timestamp, has_plan) AS plan,
      argMaxIf(seats_value, timestamp, has_seats) AS seats,
      argMaxIf(mrr_value, timestamp, has_mrr) AS mrr
    FROM (
      SELECT tenant_id, timestamp,
        JSONHas(traits, 'plan') AS has_plan,
        JSONExtractString(traits, 'plan') AS plan_value,
        JSONHas(traits, 'seats') AS has_seats,
        JSONExtractFloat(traits, 'seats') AS seats_value,
        JSONHas(traits, 'mrr') AS has_mrr,
        JSONExtractFloat(traits, 'mrr') AS mrr_value
      FROM {db:Identifier}.lifecycle_events
      WHERE type = 'group' AND toDate(timestamp) < {asOf:Date}
    )
    GROUP BY tenant_id
  ) AS g
  INNER JOIN (
    SELECT tenant_id, argMax(stage, (at, activity_id)) AS stage
    FROM {db:Identifier}.account_stages
    WHERE toDate(at) < {asOf:Date}
    GROUP BY tenant_id
    HAVING stage IN {lifecycle:Array(String)}
  ) AS s ON s.tenant_id = g.tenant_id
),
tenant_usage AS (
  SELECT
    tenant_id,
    maxIf(day, day >= {asOf:Date} - {w0:UInt32}) AS a0_0
  FROM {db:Identifier}.module_daily
  WHERE day >= {asOf:Date} - {lookback:UInt32} AND day < {asOf:Date}
    AND kind IN ('view', 'pricing', 'action') AND tenant_id IN (SELECT tenant_id FROM tenants)
  GROUP BY tenant_id
)
SELECT
  t.tenant_id AS tenant_id,
  toFloat64(if(u.a0_0 = toDate(0), {w0:UInt32}, dateDiff('day', u.a0_0, {asOf:Date}) - 1)) AS c0
FROM tenants AS t
LEFT JOIN tenant_usage AS u ON u.tenant_id = t.tenant_id
WHERE c0 >= {p0:Float64}
ORDER BY tenant_id
SETTINGS join_use_nulls = 0`)
    expect(query.params).toEqual({
      w0: 30,
      lifecycle: ['customer'],
      lookback: 30,
      p0: 10,
    })
    expect(query.runtimeParams).toEqual({ asOf: 'Date' })
    expect(query.evidence).toEqual([{ column: 'c0', key: 'idle_days' }])
  })

  it('returns the idle customer with its idle days when run', async () => {
    const rows = await queryRows(ch, query.sql, { ...query.params, asOf })
    expect(rows).toEqual([{ tenant_id: 'cust-idle', c0: 13 }])
  })
})

describe('a rule that fans out over paid modules (paid-module interest)', () => {
  const query = compileRule(builtin('paid-module-interest'), testModules())

  it('compiles to this SQL, the paid modules a parameter too', () => {
    expect(query.sql).toBe(`WITH
tenants AS (
  SELECT
    g.tenant_id AS tenant_id,
    g.plan AS plan,
    g.seats AS seats,
    g.mrr AS mrr,
    s.stage AS stage
  FROM (
    SELECT
      tenant_id,
      argMaxIf(plan_value, timestamp, has_plan) AS plan,
      argMaxIf(seats_value, timestamp, has_seats) AS seats,
      argMaxIf(mrr_value, timestamp, has_mrr) AS mrr
    FROM (
      SELECT tenant_id, timestamp,
        JSONHas(traits, 'plan') AS has_plan,
        JSONExtractString(traits, 'plan') AS plan_value,
        JSONHas(traits, 'seats') AS has_seats,
        JSONExtractFloat(traits, 'seats') AS seats_value,
        JSONHas(traits, 'mrr') AS has_mrr,
        JSONExtractFloat(traits, 'mrr') AS mrr_value
      FROM {db:Identifier}.lifecycle_events
      WHERE type = 'group' AND toDate(timestamp) < {asOf:Date}
    )
    GROUP BY tenant_id
  ) AS g
  INNER JOIN (
    SELECT tenant_id, argMax(stage, (at, activity_id)) AS stage
    FROM {db:Identifier}.account_stages
    WHERE toDate(at) < {asOf:Date}
    GROUP BY tenant_id
    HAVING stage IN {lifecycle:Array(String)}
  ) AS s ON s.tenant_id = g.tenant_id
),
module_usage AS (
  SELECT
    tenant_id,
    module,
    uniqExactIf(cityHash64(user_id), day >= {asOf:Date} - {w0:UInt32}) AS a0_0,
    uniqExactArrayIf(event_ids, day >= {asOf:Date} - {w1:UInt32} AND kind = 'view') AS a1_0,
    uniqExactArrayIf(event_ids, day >= {asOf:Date} - {w2:UInt32} AND kind = 'pricing') AS a2_0
  FROM {db:Identifier}.usage_daily
  WHERE day >= {asOf:Date} - {module_lookback:UInt32} AND day < {asOf:Date}
    AND kind IN ('view', 'pricing', 'action') AND module IN {paid:Array(String)} AND tenant_id IN (SELECT tenant_id FROM tenants)
  GROUP BY tenant_id, module
)
SELECT
  t.tenant_id AS tenant_id,
  m.module AS module,
  toFloat64(m.a0_0) AS c0,
  toFloat64(m.a1_0) AS c1,
  toFloat64(m.a2_0) AS c2
FROM tenants AS t
INNER JOIN module_usage AS m ON m.tenant_id = t.tenant_id
WHERE c0 >= {p0:Float64}
  AND c1 >= {p1:Float64}
  AND c2 >= {p2:Float64}
ORDER BY tenant_id, module
SETTINGS join_use_nulls = 0`)
    expect(query.params).toEqual({
      w0: 7,
      w1: 7,
      w2: 7,
      lifecycle: ['prospect', 'lead'],
      paid: ['analytics', 'automation', 'security', 'portal', 'ai', 'integrations'],
      module_lookback: 7,
      p0: 3,
      p1: 5,
      p2: 1,
    })
    expect(query.fanOut).toBe(true)
  })

  it('returns the tenant and module with both values when run', async () => {
    const rows = await queryRows(ch, query.sql, { ...query.params, asOf })
    expect(rows).toEqual([{ tenant_id: 'free-interest', module: 'analytics', c0: 3, c1: 5, c2: 1 }])
  })
})

describe('choosing the rollup a scan reads', () => {
  const scans = (id: string) => compileRule(builtin(id), testModules()).sql

  it('reads user figures over all kinds from daily_active_users', () => {
    for (const id of ['usage-drop', 'low-seat-utilisation', 'free-plan-limit-pressure']) {
      expect(scans(id)).toContain('FROM {db:Identifier}.daily_active_users')
      expect(scans(id)).not.toContain('usage_daily')
    }
  })

  it('reads events and days from module_daily, only the kinds it counts', () => {
    const pricing = scans('pricing-page-revisits')
    expect(pricing).toContain('FROM {db:Identifier}.module_daily')
    expect(pricing).toContain("AND kind = 'pricing' AND tenant_id IN")
    const abandoned = scans('key-module-abandoned')
    expect(abandoned).toContain('FROM {db:Identifier}.module_daily')
    expect(abandoned).toContain("AND kind = 'action' AND module IN {paid:Array(String)}")
  })

  it('reads users of one module, beside its events, from usage_daily', () => {
    const interest = scans('paid-module-interest')
    expect(interest).toContain('FROM {db:Identifier}.usage_daily')
    expect(interest).toContain(
      "AND kind IN ('view', 'pricing', 'action') AND module IN {paid:Array(String)}",
    )
  })
})

describe('any built-in rule', () => {
  // Distinctive numbers: if one showed up in the SQL text, it was spliced in.
  const marked = (rule: Rule): Rule => {
    const mark = (c: Rule['conditions']['all'][number]) => ({
      ...c,
      value: 987654.321,
      ...(c.window
        ? { window: { days: 89, ...(c.window.offsetDays ? { offsetDays: 88 } : {}) } }
        : {}),
    })
    return {
      ...rule,
      conditions: {
        all: rule.conditions.all.map(mark),
        ...(rule.conditions.any ? { any: rule.conditions.any.map(mark) } : {}),
      },
    }
  }

  it.each(loadBuiltinRules(testModules()).map((r) => [r.id, r] as const))(
    '%s keeps its thresholds, windows, stages and plans out of the SQL text',
    (_id, rule) => {
      for (const query of [
        compileRule(marked(rule), testModules()),
        compileBacktest(marked(rule), testModules()),
      ]) {
        expect(query.sql).not.toMatch(
          /987654|\b89\b|\b88\b|'free'|'starter'|'customer'|'prospect'|'lead'/,
        )
        expect(Object.values(query.params)).toContain(987654.321)
      }
    },
  )
})

describe('a rule object that skipped validation', () => {
  const attack = '1; DROP TABLE events'
  const base = builtin('inactivity')
  const condition = base.conditions.all[0]!
  const forged = (patch: Record<string, unknown>, top: Record<string, unknown> = {}) =>
    ({ ...base, ...top, conditions: { all: [{ ...condition, ...patch }] } }) as unknown as Rule

  it.each([
    ['a threshold of text', { value: attack }],
    ['an infinite threshold', { value: Number.POSITIVE_INFINITY }],
    ['a metric name of text', { metric: attack }],
    ['an operator of text', { op: attack }],
    ['a module name of text', { module: attack }],
    ['a window of text', { window: { days: attack } }],
    ['an evidence key of text', { key: attack }],
    ['an inherited operator name', { op: 'constructor' }],
  ])('with %s, is refused by the compiler', (_situation, patch) => {
    expect(() => compileRule(forged(patch), testModules())).toThrow(RuleCompileError)
    expect(() => compileBacktest(forged(patch), testModules())).toThrow(RuleCompileError)
  })

  it('with text in its plans and id, sends them as parameters only, harmlessly', async () => {
    const plan = `starter') OR 1=1; ${attack} --`
    const rule = forged({}, { id: attack, appliesTo: { plans: [plan] } })
    const query = compileRule(rule, testModules())
    expect(query.sql).not.toContain('DROP')
    expect(query.params.plans).toEqual([plan.toLowerCase()])
    expect(query.paramTypes.plans).toBe('Array(String)')
    const rows = await queryRows(ch, query.sql, { ...query.params, asOf })
    expect(rows).toEqual([])
    const [count] = await queryRows<{ n: string }>(
      ch,
      'SELECT count() AS n FROM {db:Identifier}.events',
    )
    expect(Number(count?.n)).toBeGreaterThan(0)
  })
})

describe('explaining a rule', () => {
  it('prints every parameter with its value and source, then the SQL', () => {
    const text = explainRule(builtin('usage-drop'), testModules())
    expect(text).toContain('-- rule usage-drop (churn): Weekly usage halved')
    expect(text).toMatch(/--\s+\{asOf:Date\}\s+\(given at run time\)/)
    expect(text).toMatch(/--\s+\{p0:Float64\}\s+-50\s+conditions\.all\.0\.value/)
    expect(text).toMatch(/--\s+\{o2:UInt32\}\s+7\s+conditions\.all\.2\.window\.offsetDays/)
    expect(text).toContain('c0 → wau_change')
    expect(text).toContain(compileRule(builtin('usage-drop'), testModules()).sql)
  })

  it('explains the backtest query on request', () => {
    const text = explainRule(builtin('inactivity'), testModules(), { backtest: true })
    expect(text).toMatch(/--\s+\{from:Date\}/)
    expect(text).toContain('ARRAY JOIN')
  })
})
