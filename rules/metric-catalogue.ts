// The closed set of metrics a rule may name. Every piece of SQL a compiled rule holds
// comes from this file or from compile-*.ts, never from the rule: a rule only picks
// entries by name, and its numbers travel as typed query parameters.

/** The usage kinds of usage_daily; lifecycle rows (orders, renewals) are not usage. */
export const usageKinds = ['view', 'pricing', 'action'] as const
export type UsageKind = (typeof usageKinds)[number]

/**
 * How a window metric folds the rollup rows of its window:
 * - events: distinct message-id hashes, so redelivery adds nothing. The rollup keeps them
 *   as arrays (0005_usage_event_ids.sql), counted distinct across rows;
 * - users: distinct user ids; user_days: distinct (user, day) pairs; days: distinct days;
 * - last_day: the latest day with a row.
 */
export type Aggregate = 'events' | 'users' | 'user_days' | 'days' | 'last_day'

export type ModuleUse = 'required' | 'optional' | 'forbidden'

/** SQL fragments a metric's value is made of, each already compiled. */
export interface ValueParts {
  /** The metric's aggregate over its window (a column of the usage scan). */
  agg: string
  /** The window's length in days, as a typed placeholder. */
  windowDays: string
  /** The first day after the window (asOf, or asOf minus the offset). */
  windowEnd: string
  /** The tenant's seats as of asOf (Float64, 0 when unknown). */
  seats: string
}

interface MetricBase {
  name: string
  unit: string
  description: string
  module: ModuleUse
}

/** A figure over one window of the daily rollup. */
export interface WindowMetric extends MetricBase {
  shape: 'window'
  aggregate: Aggregate
  /** The usage kinds counted; null for all of them. */
  kinds: readonly UsageKind[] | null
  /** May be the `of` of pct_change, zscore and trend_slope. */
  comparable: boolean
  /** The value from the aggregate; absent means the aggregate itself. */
  value?: (parts: ValueParts) => string
  /** Further figures worth showing beside the value (evidence `<key>_<name>`). */
  extras?: Readonly<Record<string, (parts: ValueParts) => string>>
}

/** A figure about another (window) metric, named by the condition's `of`. */
export interface DerivedMetric extends MetricBase {
  shape: 'pct_change' | 'zscore' | 'trend_slope'
  module: 'optional'
}

/** SQL fragments of the renewal estimate, each already compiled. */
export interface RenewalParts {
  /** The day of the last `Subscription Renewed` before asOf (1970-01-01: none). */
  lastRenewal: string
  /** That renewal's revenue. */
  revenue: string
  /** The tenant's MRR as of asOf. */
  mrr: string
  asOf: string
}

/** A figure from lifecycle events, with no window. */
export interface RenewalMetric extends MetricBase {
  shape: 'days_to_renewal'
  module: 'forbidden'
  value: (parts: RenewalParts) => string
}

/**
 * A score a job stores per customer and day: the health score (jobs/update-health-scores.ts)
 * or the churn model's probability (model/score.ts).
 */
export interface StoredScoreMetric extends MetricBase {
  shape: 'stored_score'
  module: 'forbidden'
  /** Its ClickHouse table (tenant_id, day, computed_at and the column). */
  table: 'health_scores' | 'churn_scores'
  column: 'score' | 'probability'
}

export type MetricDef = WindowMetric | DerivedMetric | RenewalMetric | StoredScoreMetric

/** How old a stored score may be and still count: a stopped job is not health. */
export const HEALTH_SCORE_MAX_AGE_DAYS = 7

/** How many earlier windows a z-score takes as the account's own baseline. */
export const ZSCORE_BASELINE_WINDOWS = 4

/** How far back the last renewal is looked for: a year's contract and some slack. */
export const RENEWAL_LOOKBACK_DAYS = 400

const metricList = [
  {
    name: 'events',
    unit: 'events',
    description: 'Distinct usage events (page views, pricing views, feature actions).',
    shape: 'window',
    aggregate: 'events',
    kinds: null,
    module: 'optional',
    comparable: true,
  },
  {
    name: 'active_users',
    unit: 'users',
    description: 'Distinct users with any usage event.',
    shape: 'window',
    aggregate: 'users',
    kinds: null,
    module: 'optional',
    comparable: true,
  },
  {
    name: 'user_days',
    unit: 'user-days',
    description: 'Distinct (user, day) pairs: the daily active users summed over the window.',
    shape: 'window',
    aggregate: 'user_days',
    kinds: null,
    module: 'optional',
    comparable: true,
  },
  {
    name: 'active_days',
    unit: 'days',
    description: 'Days with any usage event.',
    shape: 'window',
    aggregate: 'days',
    kinds: null,
    module: 'optional',
    comparable: true,
  },
  {
    name: 'module_views',
    unit: 'views',
    description: "Page views of the module's own pages (kind view).",
    shape: 'window',
    aggregate: 'events',
    kinds: ['view'],
    module: 'required',
    comparable: true,
  },
  {
    name: 'module_usage',
    unit: 'actions',
    description: 'Feature actions on the module (track events, kind action).',
    shape: 'window',
    aggregate: 'events',
    kinds: ['action'],
    module: 'required',
    comparable: true,
  },
  {
    name: 'module_users',
    unit: 'users',
    description: "Distinct users who viewed, priced or used the module's pages.",
    shape: 'window',
    aggregate: 'users',
    kinds: null,
    module: 'required',
    comparable: true,
  },
  {
    name: 'pricing_views',
    unit: 'views',
    description: "Pricing page views: the module's pricing pages, or all pricing pages.",
    shape: 'window',
    aggregate: 'events',
    kinds: ['pricing'],
    module: 'optional',
    comparable: true,
  },
  {
    name: 'pricing_days',
    unit: 'days',
    description: 'Days with a pricing page view (of the module, or of any).',
    shape: 'window',
    aggregate: 'days',
    kinds: ['pricing'],
    module: 'optional',
    comparable: true,
  },
  {
    name: 'seat_utilisation',
    unit: 'ratio',
    description:
      'Active users over seats (seats from the latest group call before asOf); none when seats are unknown.',
    shape: 'window',
    aggregate: 'users',
    kinds: null,
    module: 'forbidden',
    comparable: false,
    value: ({ agg, seats }) => `if(${seats} > 0, ${agg} / ${seats}, NULL)`,
    extras: { active_users: ({ agg }) => agg, seats: ({ seats }) => seats },
  },
  {
    name: 'days_since_last_activity',
    unit: 'days',
    description:
      'Whole days without usage before the end of the window (0: active the day before); the window length when none in it.',
    shape: 'window',
    aggregate: 'last_day',
    kinds: null,
    module: 'optional',
    comparable: false,
    value: ({ agg, windowDays, windowEnd }) =>
      `if(${agg} = toDate(0), ${windowDays}, dateDiff('day', ${agg}, ${windowEnd}) - 1)`,
  },
  {
    name: 'pct_change',
    unit: '%',
    description:
      'Change of `of` in the window against the window of the same length before it, in percent; none when both are 0 or only the previous is.',
    shape: 'pct_change',
    module: 'optional',
  },
  {
    name: 'zscore',
    unit: 'σ',
    description: `How far \`of\` in the window lies from its mean over the ${ZSCORE_BASELINE_WINDOWS} windows before, in standard deviations; none when those are all equal.`,
    shape: 'zscore',
    module: 'optional',
  },
  {
    name: 'trend_slope',
    unit: 'per day',
    description:
      'Least-squares slope of the daily values of `of` over the window (days without usage count as 0).',
    shape: 'trend_slope',
    module: 'optional',
  },
  {
    name: 'days_to_renewal',
    unit: 'days',
    description:
      'Days until the next renewal, estimated from the last `Subscription Renewed` (its revenue over the MRR gives the contract months); none when no renewal is known.',
    shape: 'days_to_renewal',
    module: 'forbidden',
    // A renewal's revenue is the MRR times the contract's months: 6 or more months is
    // taken as an annual contract (365 days), else as that many 30-day months. No event
    // carries a contract end date; a billing source would replace this estimate.
    value: ({ lastRenewal, revenue, mrr, asOf }) =>
      `if(${lastRenewal} = toDate(0) OR ${mrr} <= 0, NULL, dateDiff('day', ${asOf}, ${lastRenewal} + if(${revenue} >= 6 * ${mrr}, 365, 30 * greatest(1, toUInt32(round(${revenue} / ${mrr}))))))`,
  },
  {
    name: 'health_score',
    unit: 'points',
    description: `The customer's health score (0–100) from the health job, the latest computed in the ${HEALTH_SCORE_MAX_AGE_DAYS} days up to asOf; none when there is none (free tenants, or before the job ran).`,
    shape: 'stored_score',
    module: 'forbidden',
    table: 'health_scores',
    column: 'score',
  },
  {
    name: 'churn_risk',
    unit: 'probability',
    description: `The active churn model's probability (0–1) that the customer cancels within the model's horizon, the latest scored in the ${HEALTH_SCORE_MAX_AGE_DAYS} days up to asOf; none when there is none (no active model, or before the scoring job ran).`,
    shape: 'stored_score',
    module: 'forbidden',
    table: 'churn_scores',
    column: 'probability',
  },
] as const satisfies readonly MetricDef[]

export type MetricName = (typeof metricList)[number]['name']

export const metricNames = metricList.map((m) => m.name) as [MetricName, ...MetricName[]]

export const comparableMetricNames = metricList
  .filter((m) => m.shape === 'window' && m.comparable)
  .map((m) => m.name) as [MetricName, ...MetricName[]]

const byName = new Map<string, MetricDef>(metricList.map((m) => [m.name, m]))

/** The metric of that name, or undefined: callers decide whether that is an error. */
export function findMetric(name: unknown): MetricDef | undefined {
  return typeof name === 'string' ? byName.get(name) : undefined
}

export const metricCatalogue: readonly MetricDef[] = metricList

/**
 * The rollups a usage scan may read:
 * - usage_daily: tenant × day × module × kind × user, with the events' message ids;
 *   it answers every aggregate;
 * - module_daily: the same without the user, about a tenth of the rows; it answers
 *   events and days, for any kinds and module, and nothing about users;
 * - daily_active_users: tenant × day × user key, about a quarter of usage_daily's rows,
 *   the user already hashed; it answers users and days over all usage kinds and
 *   modules, and nothing about events, kinds or a module.
 */
export type Rollup = 'usage_daily' | 'module_daily' | 'daily_active_users'

/** What a scan needs of one aggregate to choose its rollup. */
export interface AggregateNeed {
  readonly aggregate: Aggregate
  readonly kinds: readonly UsageKind[] | null
  readonly module: boolean
}

const userAggregates: ReadonlySet<Aggregate> = new Set(['users', 'user_days'])

/** The smallest rollup that answers every aggregate of a scan. */
export function pickRollup(needs: readonly AggregateNeed[]): Rollup {
  if (needs.length === 0) return 'usage_daily'
  if (needs.every((n) => !userAggregates.has(n.aggregate))) return 'module_daily'
  const dau = needs.every((n) => n.aggregate !== 'events' && n.kinds === null && !n.module)
  return dau ? 'daily_active_users' : 'usage_daily'
}

/** The rollup aggregate, over rows where `pred` holds (null: every row of the group). */
export function aggregateSql(aggregate: Aggregate, pred: string | null, rollup: Rollup): string {
  const [fn, arg] = aggregateFunction(aggregate, rollup)
  return pred === null ? `${fn}(${arg})` : `${fn}If(${arg}, ${pred})`
}

function aggregateFunction(aggregate: Aggregate, rollup: Rollup): readonly [string, string] {
  switch (aggregate) {
    case 'events':
      if (rollup === 'daily_active_users') throw new Error('daily_active_users holds no events')
      return ['uniqExactArray', 'event_ids']
    case 'users':
      return ['uniqExact', userKeySql(rollup)]
    case 'user_days':
      return ['uniqExact', `${userKeySql(rollup)}, day`]
    case 'days':
      return ['uniqExact', 'day']
    case 'last_day':
      return ['max', 'day']
  }
}

/**
 * A user of a rollup row, as the 64-bit key that users are counted by: uniqExact keys a
 * string by a 128-bit hash anyway, and hashing an id once costs about half of that
 * (bench:rules). pickRollup never asks module_daily, which has no users.
 */
export function userKeySql(rollup: Rollup): string {
  if (rollup === 'module_daily') throw new Error('module_daily holds no users')
  return rollup === 'daily_active_users' ? 'user_key' : 'cityHash64(user_id)'
}

/** The SQL of a kinds filter, from the catalogue's literals. */
export function kindsSql(kinds: readonly UsageKind[] | null): string | null {
  if (kinds === null) return null
  return kinds.length === 1
    ? `kind = '${kinds[0]}'`
    : `kind IN (${kinds.map((k) => `'${k}'`).join(', ')})`
}

export const usageKindsSql = kindsSql(usageKinds)!

/**
 * The kinds a scan reads: the union of its aggregates' kinds, so that a scan of pricing
 * views skips the page views and actions before any aggregate sees them (the -If of
 * an aggregate filters only after its argument, a bitmap, was decoded).
 */
export function scanKindsSql(needs: readonly AggregateNeed[]): string {
  if (needs.length === 0) return usageKindsSql
  const kinds = new Set<UsageKind>()
  for (const need of needs) for (const kind of need.kinds ?? usageKinds) kinds.add(kind)
  return kindsSql(usageKinds.filter((k) => kinds.has(k)))!
}
