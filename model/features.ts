import { healthScore } from '../crm/health-score.js'
import { type ClickHouse, queryRows } from '../platform/clickhouse.js'
import { loadSql } from '../platform/sql.js'

// The churn model's features, defined once: what sql/clickhouse/queries/churn-features.sql
// reads (raw figures of a customer as of a day, from the rollups of the days before),
// and how each input of the model is made of them and told to a CSM. The model sees
// only `featureNames`, in this order; a stored model records them, so that a model
// trained on another list is refused rather than fed the wrong columns.

/** One (customer, as-of day) row of the features query, numbers parsed. */
export interface RawFeatures {
  tenantId: string
  /** YYYY-MM-DD: the figures are of the days before it. */
  asOf: string
  tenureDays: number
  activeUsers7: number
  activeUsers14: number
  activeUsersPrev14: number
  activeUsers28: number
  activeUsersPrev28: number
  userDays7: number
  userDaysPrev7: number
  userDays14: number
  userDays28: number
  userDaysPrev28: number
  userDaysSlope28: number
  modulesUsed28: number
  modulesLost14: number
  /** Days since the longest-idle of the modules in regular use (4+ days in 8 weeks). */
  keyModuleIdleDays: number | null
  keyModule: string | null
  daysSinceActive: number | null
  mrr: number | null
  seats: number | null
  daysToRenewal: number | null
  annualContract: boolean
  /** The health score of crm/health-score.ts from the same figures (no open alerts). */
  healthScore: number
  /**
   * The same day's median over all customers of the change features: a seasonal dip
   * lowers everyone's use, and an account is judged against that, not against zero.
   */
  everyone: { userDaysChange7: number; userDaysChange28: number; activeUsersChange28: number }
}

/** Labels of the model's inputs for a reason: the raw figures, in the CSM's words. */
export interface Feature {
  name: string
  description: string
  /** The model's input, from the raw row; null means unknown (imputed in training). */
  value: (r: RawFeatures) => number | null
  /** What the account's figure is, as a CSM reads it. */
  reason: (r: RawFeatures, moduleName: (key: string) => string) => string
  /**
   * Context the probability takes into account but a CSM cannot act on (how long the
   * account has been a customer, its contract): never given as a reason.
   */
  context?: true
}

const change = (now: number, before: number) => (now - before) / Math.max(before, 1)
/**
 * What a change counts the "before" as more than it was: a small account's 1 → 0 users
 * reads as −100 % otherwise, and tiny accounts' noise outranked real declines. Chosen by
 * the 3-fold account cross-validation inside the training period of bench:model's world
 * (held-out log-loss and PR-AUC best at 15, of 0, 3, 7, 15, 30, 60); the reasons a CSM
 * reads keep the plain change.
 */
export const CHANGE_PRIOR = 15
const shrunkChange = (now: number, before: number) => (now - before) / (before + CHANGE_PRIOR)
/** Bumped whenever an input's definition changes: a model of another set is refused. */
export const FEATURES_VERSION = 2
const clip = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x))
const pct = (x: number) => `${x >= 0 ? '+' : '−'}${Math.abs(Math.round(x * 100))} %`
const log1p = (x: number | null) => (x === null ? null : Math.log1p(Math.max(0, x)))
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`

/** The days without activity a recency of "none in the look-back" stands for. */
export const LOOKBACK_DAYS = 56

export const features: readonly Feature[] = [
  {
    name: 'active_users_28',
    description: 'Distinct active users in the 28 days before (log scale).',
    value: (r) => log1p(r.activeUsers28),
    reason: (r) => `${plural(r.activeUsers28, 'active user')} in 28 days`,
  },
  {
    name: 'active_users_change_14',
    description: 'Change of distinct active users: the last 14 days against the 14 before.',
    value: (r) => clip(shrunkChange(r.activeUsers14, r.activeUsersPrev14), -1, 2),
    reason: (r) =>
      `active users ${pct(change(r.activeUsers14, r.activeUsersPrev14))} over 14 days (${r.activeUsersPrev14} → ${r.activeUsers14})`,
  },
  {
    name: 'active_users_change_28',
    description: 'Change of distinct active users: the last 28 days against the 28 before.',
    value: (r) => clip(shrunkChange(r.activeUsers28, r.activeUsersPrev28), -1, 2),
    reason: (r) =>
      `active users ${pct(change(r.activeUsers28, r.activeUsersPrev28))} over 28 days (${r.activeUsersPrev28} → ${r.activeUsers28})`,
  },
  {
    name: 'user_days_7',
    description: 'Daily active users summed over the 7 days before (log scale).',
    value: (r) => log1p(r.userDays7),
    reason: (r) => `${r.userDays7} user-days in the last 7 days`,
  },
  {
    name: 'user_days_change_7',
    description: 'Change of user-days: the last 7 days against the 7 before.',
    value: (r) => clip(shrunkChange(r.userDays7, r.userDaysPrev7), -1, 2),
    reason: (r) =>
      `daily use ${pct(change(r.userDays7, r.userDaysPrev7))} week on week (${r.userDaysPrev7} → ${r.userDays7} user-days)`,
  },
  {
    name: 'user_days_change_28',
    description: 'Change of user-days: the last 28 days against the 28 before.',
    value: (r) => clip(shrunkChange(r.userDays28, r.userDaysPrev28), -1, 2),
    reason: (r) =>
      `daily use ${pct(change(r.userDays28, r.userDaysPrev28))} over 28 days (${r.userDaysPrev28} → ${r.userDays28} user-days)`,
  },
  {
    name: 'user_days_change_7_vs_all',
    description:
      "Change of user-days week on week, minus the same day's median change over all customers.",
    value: (r) =>
      clip(shrunkChange(r.userDays7, r.userDaysPrev7), -1, 2) -
      clip(r.everyone.userDaysChange7, -1, 2),
    reason: (r) =>
      `daily use ${pct(change(r.userDays7, r.userDaysPrev7))} week on week, where customers overall went ${pct(r.everyone.userDaysChange7)}`,
  },
  {
    name: 'user_days_change_28_vs_all',
    description:
      "Change of user-days over 28 days against the 28 before, minus the same day's median change over all customers.",
    value: (r) =>
      clip(shrunkChange(r.userDays28, r.userDaysPrev28), -1, 2) -
      clip(r.everyone.userDaysChange28, -1, 2),
    reason: (r) =>
      `daily use ${pct(change(r.userDays28, r.userDaysPrev28))} over 28 days, where customers overall went ${pct(r.everyone.userDaysChange28)}`,
  },
  {
    name: 'active_users_change_28_vs_all',
    description:
      "Change of distinct active users over 28 days against the 28 before, minus the same day's median change over all customers.",
    value: (r) =>
      clip(shrunkChange(r.activeUsers28, r.activeUsersPrev28), -1, 2) -
      clip(r.everyone.activeUsersChange28, -1, 2),
    reason: (r) =>
      `active users ${pct(change(r.activeUsers28, r.activeUsersPrev28))} over 28 days (${r.activeUsersPrev28} → ${r.activeUsers28}), where customers overall went ${pct(r.everyone.activeUsersChange28)}`,
  },
  {
    name: 'user_days_vs_month_before',
    description:
      'User-days of the last 14 days against half those of days 29..56 before: use now against a month ago.',
    value: (r) => clip(shrunkChange(2 * r.userDays14, r.userDaysPrev28), -1, 2),
    reason: (r) =>
      `daily use ${pct(change(2 * r.userDays14, r.userDaysPrev28))} against a month before (${Math.round(r.userDaysPrev28 / 2)} → ${r.userDays14} user-days a fortnight)`,
  },
  {
    name: 'user_days_trend_28',
    description:
      'Least-squares slope of daily active users over 28 days, as a share of their mean a day.',
    value: (r) => clip(r.userDaysSlope28 / Math.max(r.userDays28 / 28, 0.25), -0.2, 0.2),
    reason: (r) => {
      // The fitted line's ends, from its mean and slope (x = 0..27 around 13.5).
      const mean = r.userDays28 / 28
      const end = (x: number) => Math.max(0, mean + r.userDaysSlope28 * x).toFixed(1)
      return `daily active users trending from ${end(-13.5)} to ${end(13.5)} over 28 days`
    },
  },
  {
    name: 'seat_utilisation',
    description: 'Active users in 28 days over seats bought (unknown when seats are).',
    value: (r) => (r.seats ? clip(r.activeUsers28 / r.seats, 0, 2) : null),
    reason: (r) =>
      r.seats
        ? `${Math.round((100 * r.activeUsers28) / r.seats)} % of ${r.seats} seats active in 28 days`
        : 'seats unknown',
  },
  {
    name: 'modules_used_28',
    description: 'Modules with page views or actions in the 28 days before.',
    value: (r) => r.modulesUsed28,
    reason: (r) => `${plural(r.modulesUsed28, 'module')} in use in 28 days`,
  },
  {
    name: 'modules_lost_14',
    description: 'Modules used in the 6 weeks before the last 14 days and not in those 14.',
    value: (r) => r.modulesLost14,
    reason: (r) => `${plural(r.modulesLost14, 'module')} dropped in the last 14 days`,
  },
  {
    name: 'key_module_idle_days',
    description: `Days since the longest-idle module in regular use (4 or more days of the ${LOOKBACK_DAYS}) was last used.`,
    value: (r) => clip(r.keyModuleIdleDays ?? 0, 0, LOOKBACK_DAYS),
    reason: (r, moduleName) =>
      r.keyModule === null || r.keyModuleIdleDays === null
        ? 'no module in regular use'
        : `${moduleName(r.keyModule)} unused for ${plural(r.keyModuleIdleDays, 'day')}`,
  },
  {
    name: 'days_since_active',
    description: `Whole days without usage before the as-of day (${LOOKBACK_DAYS} when none in ${LOOKBACK_DAYS} days).`,
    value: (r) => clip(r.daysSinceActive ?? LOOKBACK_DAYS, 0, LOOKBACK_DAYS),
    reason: (r) =>
      r.daysSinceActive === null
        ? `no activity in ${LOOKBACK_DAYS} days`
        : r.daysSinceActive === 0
          ? 'active yesterday'
          : `no activity for ${plural(r.daysSinceActive, 'day')}`,
  },
  {
    name: 'tenure_days',
    description: 'Days since the account became a customer (log scale).',
    value: (r) => log1p(r.tenureDays),
    reason: (r) => `customer for ${plural(r.tenureDays, 'day')}`,
    context: true,
  },
  {
    name: 'days_to_renewal',
    description:
      "Days to the next renewal, the rules' estimate from the last renewal (unknown before the first).",
    value: (r) => (r.daysToRenewal === null ? null : clip(r.daysToRenewal, 0, 365)),
    reason: (r) =>
      r.daysToRenewal === null
        ? 'no renewal seen yet'
        : `renewal in ${plural(r.daysToRenewal, 'day')}`,
  },
  {
    name: 'renewal_unknown',
    description: 'Whether no renewal has been seen yet (1) or has (0).',
    value: (r) => (r.daysToRenewal === null ? 1 : 0),
    reason: (r) => (r.daysToRenewal === null ? 'no renewal seen yet' : 'renewed before'),
    context: true,
  },
  {
    name: 'annual_contract',
    description: 'Whether the last renewal was for 6 months or more (1) or not (0).',
    value: (r) => (r.annualContract ? 1 : 0),
    reason: (r) => (r.annualContract ? 'annual contract' : 'monthly contract'),
    context: true,
  },
  {
    name: 'mrr',
    description: 'Monthly recurring revenue from the latest group call (log scale).',
    value: (r) => log1p(r.mrr),
    reason: (r) =>
      r.mrr === null ? 'MRR unknown' : `MRR ${Math.round(r.mrr).toLocaleString('en-US')}`,
    context: true,
  },
  {
    name: 'health_score',
    description: 'The health score (0–100) of crm/health-score.ts from the same figures.',
    value: (r) => r.healthScore,
    reason: (r) => `health score ${r.healthScore}`,
  },
]

export const featureNames = features.map((f) => f.name)

/** A row's model inputs, in `featureNames` order; null where unknown. */
export function featureVector(r: RawFeatures): Array<number | null> {
  return features.map((f) => f.value(r))
}

interface FeatureRow {
  tenant_id: string
  as_of: string
  tenure_days: string
  active_users_7: string
  active_users_14: string
  active_users_prev_14: string
  active_users_28: string
  active_users_prev_28: string
  user_days_7: string
  user_days_prev_7: string
  user_days_14: string
  user_days_28: string
  user_days_prev_28: string
  user_days_slope_28: number
  modules_used_28: string
  modules_lost_14: string
  key_module_idle_days: string | null
  key_module: string | null
  days_since_active: string | null
  mrr: number | null
  seats: number | null
  days_to_renewal: string | null
  annual_contract: number
}

const num = (x: string | number) => Number(x)
const numOrNull = (x: string | number | null) => (x === null ? null : Number(x))

export interface FeatureQuery {
  /** First and last as-of day, YYYY-MM-DD, both included. */
  from: string
  to: string
  /** Only these tenants; all customers when absent. */
  tenants?: readonly string[]
  /** Modules the health score's breadth is out of (the catalogue's size). */
  modulesAvailable: number
  /**
   * The all-customer medians of each as-of day, for a query of a few tenants (explain);
   * by default they are taken from the rows, which then must be every customer's.
   */
  everyone?: ReadonlyMap<string, RawFeatures['everyone']>
}

/**
 * The features of every customer as of every day from..to, in one query (the range
 * mode of the rules' backtests): as of a day, a customer is an account whose last
 * lifecycle move before that day made it one.
 */
export async function loadFeatures(ch: ClickHouse, q: FeatureQuery): Promise<RawFeatures[]> {
  const rows = await queryRows<FeatureRow>(ch, loadSql('clickhouse/queries/churn-features'), {
    from: q.from,
    to: q.to,
    allTenants: q.tenants === undefined,
    tenants: q.tenants ?? [],
  })
  const out = rows.map((row) => {
    const r: Omit<RawFeatures, 'healthScore' | 'everyone'> = {
      tenantId: row.tenant_id,
      asOf: row.as_of,
      tenureDays: num(row.tenure_days),
      activeUsers7: num(row.active_users_7),
      activeUsers14: num(row.active_users_14),
      activeUsersPrev14: num(row.active_users_prev_14),
      activeUsers28: num(row.active_users_28),
      activeUsersPrev28: num(row.active_users_prev_28),
      userDays7: num(row.user_days_7),
      userDaysPrev7: num(row.user_days_prev_7),
      userDays14: num(row.user_days_14),
      userDays28: num(row.user_days_28),
      userDaysPrev28: num(row.user_days_prev_28),
      userDaysSlope28: row.user_days_slope_28,
      modulesUsed28: num(row.modules_used_28),
      modulesLost14: num(row.modules_lost_14),
      keyModuleIdleDays: numOrNull(row.key_module_idle_days),
      keyModule: row.key_module === '' ? null : row.key_module,
      daysSinceActive: numOrNull(row.days_since_active),
      mrr: row.mrr,
      seats: row.seats,
      daysToRenewal: numOrNull(row.days_to_renewal),
      annualContract: Number(row.annual_contract) === 1,
    }
    const health = healthScore({
      activeUsers: r.activeUsers28,
      activeUsersBefore: r.activeUsersPrev28,
      modulesUsed: r.modulesUsed28,
      modulesAvailable: q.modulesAvailable,
      seats: r.seats,
      daysSinceActive: r.daysSinceActive,
      openAlerts: 0,
    })
    return { ...r, healthScore: health.score, everyone: noMedian }
  })
  // Medians per as-of day over every customer of that day: all rows of a day are here
  // when the query was for all tenants; for a few tenants, the caller passes the day's.
  const byDay = new Map<string, RawFeatures[]>()
  for (const r of out) byDay.set(r.asOf, [...(byDay.get(r.asOf) ?? []), r])
  for (const [asOf, list] of byDay) {
    const everyone = q.everyone?.get(asOf) ?? {
      userDaysChange7: median(list.map((r) => shrunkChange(r.userDays7, r.userDaysPrev7))),
      userDaysChange28: median(list.map((r) => shrunkChange(r.userDays28, r.userDaysPrev28))),
      activeUsersChange28: median(
        list.map((r) => shrunkChange(r.activeUsers28, r.activeUsersPrev28)),
      ),
    }
    for (const r of list) r.everyone = everyone
  }
  return out
}

const noMedian = { userDaysChange7: 0, userDaysChange28: 0, activeUsersChange28: 0 }

function median(values: number[]): number {
  if (values.length === 0) return 0
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}
