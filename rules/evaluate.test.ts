import { beforeAll, describe, expect, it } from 'vitest'
import type { ClickHouse } from '../platform/clickhouse.js'
import { useTestClickHouse } from '../test/clickhouse.js'
import { useTestPostgres } from '../test/postgres.js'
import { loadBuiltinRules } from './builtin.js'
import { evaluateRule, evaluateRuleOverRange, evaluateRules, type Firing } from './evaluate.js'
import { parseRule, type Rule } from './rule-schema.js'
import { createTestIngest, testModules } from './test-ingest.js'
import { AS_OF_DAY, dayDate, group, ordered, page, storyEvents } from './test-stories.js'

let ch: ClickHouse
let send: (events: readonly unknown[]) => Promise<void>
beforeAll(async () => {
  ch = await useTestClickHouse()
  send = createTestIngest(ch, { db: await useTestPostgres() })
  await send(storyEvents())
  // The churn model's scores, as its scoring job stores them: a high risk on day 20 (the
  // built-in churn-risk rule fires on it for the seven days it counts), a low one.
  await ch.client.insert({
    table: `${ch.database}.churn_scores`,
    values: [
      ['cust-drop', 0.62],
      ['cust-healthy', 0.05],
    ].map(([tenant_id, probability]) => ({
      tenant_id,
      day: dayDate(20).toISOString().slice(0, 10),
      probability,
      model_id: 1,
      reasons: '[]',
      computed_at: '2025-03-21 02:00:00',
    })),
    format: 'JSONEachRow',
  })
})

const modules = () => testModules()
const interest = () => loadBuiltinRules(modules()).find((r) => r.id === 'paid-module-interest')!
const at = (day: number) => ({ asOf: dayDate(day), modules: modules() })
const tenantsOf = (firings: Firing[], tenant: string) =>
  firings.filter((f) => f.tenantId === tenant)

describe('when events of past days arrive late', () => {
  it('they count on the next evaluation of the same day', async () => {
    await send([
      group('late-co', { plan: 'free', seats: 10 }),
      page('late-co', 'l1', '/apps/ai/chat', 22),
      page('late-co', 'l1', '/pricing/ai', 22, 1),
      page('late-co', 'l1', '/apps/ai/chat', 23),
      page('late-co', 'l2', '/apps/ai/chat', 24),
    ])
    expect(tenantsOf(await evaluateRule(ch, interest(), at(28)), 'late-co')).toEqual([])
    await send([
      page('late-co', 'l3', '/apps/ai/history', 26),
      page('late-co', 'l3', '/apps/ai/history', 26, 1),
    ])
    const [firing] = tenantsOf(await evaluateRule(ch, interest(), at(28)), 'late-co')
    expect(firing?.evidence).toEqual({
      module_users_7d: 3,
      module_views_7d: 5,
      pricing_views_7d: 1,
    })
  })
})

describe('when events happen on the as-of day itself', () => {
  it('they count from the next day on, not before', async () => {
    await send([
      group('today-co', { plan: 'free', seats: 10 }),
      page('today-co', 't1', '/pricing/portal', 28, 2),
      ...['t1', 't2', 't3'].flatMap((u) => [
        page('today-co', u, '/apps/portal/a', 28),
        page('today-co', u, '/apps/portal/b', 28, 1),
      ]),
    ])
    expect(tenantsOf(await evaluateRule(ch, interest(), at(28)), 'today-co')).toEqual([])
    expect(tenantsOf(await evaluateRule(ch, interest(), at(29)), 'today-co')).toHaveLength(1)
  })
})

describe('when a free tenant buys', () => {
  it('its stage is read as of each day, so a backtest sees a prospect before the order only', async () => {
    await send([
      group('conv-co', { plan: 'free', seats: 10 }),
      page('conv-co', 'c1', '/apps/analytics/a', 21),
      page('conv-co', 'c1', '/pricing/analytics', 21, 1),
      page('conv-co', 'c2', '/apps/analytics/a', 22),
      page('conv-co', 'c3', '/apps/analytics/a', 23),
      page('conv-co', 'c1', '/apps/analytics/b', 24),
      page('conv-co', 'c2', '/apps/analytics/b', 24, 1),
      ordered('conv-co', 25, 'analytics', 1200),
      group('conv-co', { plan: 'starter', seats: 10, mrr: 100 }, 25),
    ])
    const range = { from: dayDate(20), to: dayDate(28), modules: modules() }
    const days = tenantsOf(await evaluateRuleOverRange(ch, interest(), range), 'conv-co')
    expect(days.map((f) => f.asOf)).toEqual(['2025-03-26'])
    expect(tenantsOf(await evaluateRule(ch, interest(), at(25)), 'conv-co')).toHaveLength(1)
    expect(tenantsOf(await evaluateRule(ch, interest(), at(28)), 'conv-co')).toEqual([])
  })
})

describe('when the same batch is delivered again', () => {
  it('changes no firing and no evidence', async () => {
    const rules = loadBuiltinRules(modules())
    const before = await evaluateRules(ch, rules, at(AS_OF_DAY))
    const backtestBefore = await evaluateRuleOverRange(ch, rules[2]!, {
      from: dayDate(14),
      to: dayDate(30),
      modules: modules(),
    })
    await send(storyEvents())
    expect(await evaluateRules(ch, rules, at(AS_OF_DAY))).toEqual(before)
    expect(
      await evaluateRuleOverRange(ch, rules[2]!, {
        from: dayDate(14),
        to: dayDate(30),
        modules: modules(),
      }),
    ).toEqual(backtestBefore)
  })
})

// Every metric shape in one rule, with thresholds loose enough that most tenants fire,
// so that the evidence compares each metric between the two query forms.
const everyMetric = {
  id: 'every-metric',
  name: 'Every metric',
  kind: 'churn',
  conditions: {
    all: [
      { metric: 'active_users', window: { days: 7 }, op: '>=', value: 0 },
      { metric: 'trend_slope', of: 'active_users', window: { days: 7 }, op: '>', value: -1e9 },
      { metric: 'module_users', module: '$paid', window: { days: 14 }, op: '>=', value: 1 },
      {
        metric: 'days_since_last_activity',
        module: '$paid',
        window: { days: 10, offsetDays: 2 },
        op: '>=',
        value: 0,
      },
    ],
    any: [
      { metric: 'zscore', of: 'events', window: { days: 3 }, op: '>', value: -1e9 },
      { metric: 'days_to_renewal', op: '<', value: 1e9 },
      { metric: 'events', module: 'tasks', window: { days: 5 }, op: '>=', value: 0 },
      { metric: 'seat_utilisation', window: { days: 7 }, op: '>=', value: 0 },
    ],
  },
  produces: { severity: 'low', title: '{moduleName}: {active_users_7d}' },
  cooldownDays: 0,
}

const rounded = (firings: Firing[]) =>
  firings
    .map((f) => ({
      ...f,
      evidence: Object.fromEntries(
        Object.entries(f.evidence).map(([k, v]) => [k, Number(v.toPrecision(10))]),
      ),
    }))
    .sort((a, b) =>
      `${a.asOf} ${a.tenantId} ${a.module}`.localeCompare(`${b.asOf} ${b.tenantId} ${b.module}`),
    )

describe('a backtest over a range of days', () => {
  const parsed = parseRule(everyMetric, testModules())
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues))
  const rules: Rule[] = [...loadBuiltinRules(testModules()), parsed.rule]

  it.each(rules.map((r) => [r.id, r] as const))(
    '%s: finds the same firings and evidence as evaluating day by day',
    async (_id, rule) => {
      const range = await evaluateRuleOverRange(ch, rule, {
        from: dayDate(12),
        to: dayDate(30),
        modules: modules(),
      })
      const dayByDay: Firing[] = []
      for (let day = 12; day <= 30; day++) dayByDay.push(...(await evaluateRule(ch, rule, at(day))))
      expect(dayByDay.length).toBeGreaterThan(0)
      expect(rounded(range)).toEqual(rounded(dayByDay))
    },
  )

  it('refuses a range that ends before it starts', async () => {
    await expect(
      evaluateRuleOverRange(ch, interest(), {
        from: dayDate(5),
        to: dayDate(4),
        modules: modules(),
      }),
    ).rejects.toThrow(RangeError)
  })
})

describe('a churn rule on the stored health score', () => {
  const lowHealth = () => {
    const parsed = parseRule(
      {
        id: 'low-health',
        name: 'Low health',
        kind: 'churn',
        appliesTo: { plans: ['starter', 'business', 'enterprise'] },
        conditions: { all: [{ metric: 'health_score', op: '<', value: 40 }] },
        produces: { severity: 'medium', title: 'Health {health_score}' },
        cooldownDays: 0,
      },
      testModules(),
    )
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues))
    return parsed.rule
  }
  const day = (n: number) => dayDate(n).toISOString().slice(0, 10)

  beforeAll(async () => {
    // The health job's history: a low score on day 20 (recomputed higher the same day,
    // then low again), a healthy customer, and a low score too old to count by day 28.
    const rows = [
      ['cust-drop', day(20), 45, '2025-03-21 01:00:00'],
      ['cust-drop', day(20), 30, '2025-03-21 02:00:00'],
      ['cust-healthy', day(20), 85, '2025-03-21 02:00:00'],
      ['cust-idle', day(12), 10, '2025-03-13 02:00:00'],
    ] as const
    await ch.client.insert({
      table: `${ch.database}.health_scores`,
      values: rows.map(([tenant_id, d, score, computed_at]) => ({
        tenant_id,
        day: d,
        score,
        computed_at,
      })),
      format: 'JSONEachRow',
    })
  })

  it('fires on the customer whose latest score is low, with the score as evidence', async () => {
    const firings = await evaluateRule(ch, lowHealth(), at(22))
    expect(firings.map((f) => [f.tenantId, f.evidence, f.title])).toEqual([
      ['cust-drop', { health_score: 30 }, 'Health 30'],
    ])
  })

  it('counts a score for seven days, then none: a stopped job is not low health', async () => {
    const firedOn = async (n: number) =>
      (await evaluateRule(ch, lowHealth(), at(n))).map((f) => f.tenantId)
    expect(await firedOn(19)).toEqual([])
    expect(await firedOn(26)).toEqual(['cust-drop'])
    expect(await firedOn(27)).toEqual([])
  })

  it('finds the same firings as of every day in a backtest as day by day', async () => {
    const range = await evaluateRuleOverRange(ch, lowHealth(), {
      from: dayDate(10),
      to: dayDate(30),
      modules: modules(),
    })
    const dayByDay: Firing[] = []
    for (let n = 10; n <= 30; n++) dayByDay.push(...(await evaluateRule(ch, lowHealth(), at(n))))
    expect(dayByDay).toHaveLength(7 + 7)
    expect(rounded(range)).toEqual(rounded(dayByDay))
  })
})

describe('when a rule applies to customers and an account becomes one mid-period', () => {
  it('a backtest sees the account only from the day after its first order', async () => {
    await send([
      group('becomes-co', { plan: 'free', seats: 10 }, 5),
      ...Array.from({ length: 18 }, (_, i) =>
        page('becomes-co', 'b1', '/apps/analytics/a', 10 + i),
      ),
      ordered('becomes-co', 22, 'analytics', 900),
    ])
    const parsed = parseRule(
      {
        id: 'any-customer-activity',
        name: 'A customer was active',
        kind: 'churn',
        appliesTo: { lifecycle: ['customer'] },
        conditions: { all: [{ metric: 'events', window: { days: 7 }, op: '>=', value: 1 }] },
        produces: { severity: 'low', title: 'active' },
        cooldownDays: 0,
      },
      modules(),
    )
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues))
    const range = { from: dayDate(15), to: dayDate(28), modules: modules() }
    const days = tenantsOf(await evaluateRuleOverRange(ch, parsed.rule, range), 'becomes-co')
    const iso = (n: number) => dayDate(n).toISOString().slice(0, 10)
    expect(days.map((f) => f.asOf)).toEqual([23, 24, 25, 26, 27, 28].map(iso))
    // Point mode agrees: a prospect on the order's own day, a customer the day after.
    expect(tenantsOf(await evaluateRule(ch, parsed.rule, at(22)), 'becomes-co')).toEqual([])
    expect(tenantsOf(await evaluateRule(ch, parsed.rule, at(23)), 'becomes-co')).toHaveLength(1)
  })
})
