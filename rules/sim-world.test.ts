import { beforeAll, describe, expect, it } from 'vitest'
import type { ClickHouse } from '../platform/clickhouse.js'
import { type GroundTruth, groundTruth, type TenantTruth } from '../sim/ground-truth.js'
import { eventsByDay, smallWorld } from '../sim/test-support.js'
import { useTestClickHouse } from '../test/clickhouse.js'
import { useTestPostgres } from '../test/postgres.js'
import { loadBuiltinRules } from './builtin.js'
import { evaluateRuleOverRange, evaluateRules, type Firing } from './evaluate.js'
import type { Rule } from './rule-schema.js'
import { createTestIngest, testModules } from './test-ingest.js'

// The built-in rules on the simulator's small world (200 tenants, 45 days, ~100k events
// through the ingest steps), scored against its hidden truth: who browsed a paid module
// (intent) and whose usage declined. Each rule is run as of every day 7..44 at once.

const SEED = 'tenantpulse'
const FIRST_DAY = 7

let ch: ClickHouse
let truth: GroundTruth
let rules: Rule[]
const firingsByRule = new Map<string, Firing[]>()
const backtestMs = new Map<string, number>()

beforeAll(async () => {
  ch = await useTestClickHouse()
  const world = smallWorld(SEED)
  truth = groundTruth(world)
  const send = createTestIngest(ch, { db: await useTestPostgres() })
  for (const day of eventsByDay(world)) await send(day)
  rules = loadBuiltinRules(testModules())
  for (const rule of rules) {
    const started = performance.now()
    const firings = await evaluateRuleOverRange(ch, rule, {
      from: dayOf(FIRST_DAY),
      to: dayOf(truth.days - 1),
      modules: testModules(),
    })
    backtestMs.set(rule.id, performance.now() - started)
    firingsByRule.set(rule.id, firings)
  }
}, 180_000)

const dayOf = (n: number) => new Date(Date.parse(truth.start) + n * 86_400_000)
const dayIndex = (asOf: string) => Math.round((Date.parse(asOf) - Date.parse(truth.start)) / 864e5)

/** When a firing counts as right: intent until a few days after it ends; decline onwards. */
function expectedWindow(rule: Rule, t: TenantTruth): [number, number] | null {
  if (rule.kind === 'abm' && t.intent) return [t.intent.startDay, t.intent.endDay + 3]
  if (rule.kind === 'churn' && t.decline) return [t.decline.startDay, truth.days]
  return null
}

interface Score {
  hits: Set<string>
  /** Fired on a tenant with no story for this kind of rule (a customer that bought in the run excluded). */
  strays: Set<string>
  noise: Set<string>
}

function score(rule: Rule): Score {
  const s: Score = { hits: new Set(), strays: new Set(), noise: new Set() }
  const byId = new Map(truth.tenants.map((t) => [t.tenantId, t]))
  for (const f of firingsByRule.get(rule.id) ?? []) {
    const t = byId.get(f.tenantId)!
    const window = expectedWindow(rule, t)
    const day = dayIndex(f.asOf)
    if (window && day >= window[0] && day <= window[1]) s.hits.add(t.tenantId)
    else if (t.noise) s.noise.add(t.tenantId)
    else if (!window && !t.order?.inRun && !t.churn) s.strays.add(t.tenantId)
  }
  return s
}

const intentTenants = () => truth.tenants.filter((t) => t.intent && t.intent.startDay < 40)
const decliners = () => truth.tenants.filter((t) => t.decline)

describe('on the small simulated world', () => {
  it('paid-module interest finds most intent tenants, no noise tenant, no stray', () => {
    const s = score(rules.find((r) => r.id === 'paid-module-interest')!)
    expect(s.hits.size).toBeGreaterThanOrEqual(intentTenants().length - 2)
    expect(s.noise.size).toBe(0)
    expect(s.strays.size).toBe(0)
  })

  it('pricing revisits find most intent tenants, no noise tenant, no stray', () => {
    const s = score(rules.find((r) => r.id === 'pricing-page-revisits')!)
    expect(s.hits.size).toBeGreaterThanOrEqual(intentTenants().length - 2)
    expect(s.noise.size + s.strays.size).toBe(0)
  })

  it('the churn rules together flag two in three declining customers after the decline starts', () => {
    const flagged = new Set(
      rules.filter((r) => r.kind === 'churn').flatMap((r) => [...score(r).hits]),
    )
    expect(flagged.size).toBeGreaterThanOrEqual(Math.ceil((decliners().length * 2) / 3))
  })

  // The seasonal dip (days 27–35 at this seed) makes healthy customers' use fall too:
  // the rules that read a fall or a quiet spell fire on some of them.
  it.each([
    ['usage-drop', 8],
    ['inactivity', 1],
    ['low-seat-utilisation', 2],
    ['key-module-abandoned', 1],
    ['renewal-at-risk', 3],
    ['free-plan-limit-pressure', 1],
  ])('%s fires on at most %i tenants without a story', (id, most) => {
    expect(score(rules.find((r) => r.id === id)!).strays.size).toBeLessThanOrEqual(most)
  })

  it('usage-drop fires on tenants without a story mostly in the seasonal dip or the week after', () => {
    const [dip] = truth.seasonalDips
    const strays = score(rules.find((r) => r.id === 'usage-drop')!).strays
    const outside = new Set(
      (firingsByRule.get('usage-drop') ?? [])
        .filter((f) => strays.has(f.tenantId))
        .filter((f) => dayIndex(f.asOf) < dip!.startDay || dayIndex(f.asOf) > dip!.endDay + 7)
        .map((f) => f.tenantId),
    )
    expect(strays.size).toBeGreaterThan(0)
    expect(outside.size).toBeLessThan(strays.size / 2)
  })

  it('evaluates all built-in rules as of one day, and reports the time taken', async () => {
    const started = performance.now()
    const firings = await evaluateRules(ch, rules, { asOf: dayOf(30), modules: testModules() })
    const ms = performance.now() - started
    const table = rules.map((r) => {
      const s = score(r)
      return `${r.id.padEnd(26)} backtest ${String(Math.round(backtestMs.get(r.id)!)).padStart(4)} ms  tenants hit ${String(s.hits.size).padStart(2)}  strays ${s.strays.size}`
    })
    console.log(
      [
        `rules on the small world (${truth.tenants.length} tenants, ${truth.days} days):`,
        `all ${rules.length} built-in rules as of day 30: ${Math.round(ms)} ms, ${firings.length} firings`,
        `backtests as of each day ${FIRST_DAY}..${truth.days - 1}, one query a rule:`,
        ...table,
      ].join('\n'),
    )
    expect(firings.length).toBeGreaterThan(0)
  })
})
