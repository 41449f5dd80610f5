import { median } from 'simple-statistics'

export interface BacktestOutcome {
  tenantId: string
  /** YYYY-MM-DD of the order (ABM) or cancellation (churn). */
  day: string
}

export interface BacktestReport {
  from: string
  to: string
  horizonDays: number
  /** Accounts the rule could have fired for. */
  population: number
  firedAccounts: number
  /** New firing episodes (a first day, or a day after a day without) per week. */
  firingsPerWeek: number
  confusion: {
    truePositives: number
    falsePositives: number
    falseNegatives: number
    trueNegatives: number
  }
  precision: number | null
  recall: number | null
  baseRate: number | null
  lift: number | null
  /** Days from the first firing to the outcome it foretold, median over true positives. */
  medianLeadTimeDays: number | null
  /** Each day from `from` to `to + horizon`: accounts fired that day, outcomes that day. */
  timeline: Array<{ day: string; firings: number; outcomes: number }>
}

const DAY_MS = 86_400_000
const dayNumber = (day: string) => Math.round(Date.parse(`${day}T00:00:00Z`) / DAY_MS)

/**
 * Scores a rule's firings against what happened. An account counts as a true positive
 * when an outcome followed one of its firings within the horizon; a false positive when
 * it fired and nothing followed; a false negative when an outcome in the period was not
 * foretold by a firing. Outcomes count from `from` to `to + horizon`: a firing on the
 * last day gets its full horizon.
 */
export function backtestReport(input: {
  firings: ReadonlyArray<{ tenantId: string; asOf: string }>
  outcomes: readonly BacktestOutcome[]
  population: number
  from: string
  to: string
  horizonDays: number
}): BacktestReport {
  const { from, to, horizonDays } = input
  const start = dayNumber(from)
  const end = dayNumber(to)
  const firedDays = groupDays(input.firings.map((f) => [f.tenantId, f.asOf]))
  const outcomeDays = groupDays(
    input.outcomes.map((o) => [o.tenantId, o.day]),
    (d) => d >= start && d <= end + horizonDays,
  )
  const foretold = (firing: number, outcome: number) =>
    firing <= outcome && outcome - firing <= horizonDays

  let episodes = 0
  for (const days of firedDays.values())
    episodes += days.filter((d, i) => i === 0 || days[i - 1] !== d - 1).length

  let tp = 0
  const leadTimes: number[] = []
  for (const [tenant, days] of firedDays) {
    // The longest warning any outcome of this account had: from the earliest firing
    // that foretold it.
    const leads = (outcomeDays.get(tenant) ?? []).flatMap((o) => {
      const first = days.find((d) => foretold(d, o))
      return first === undefined ? [] : [o - first]
    })
    if (leads.length > 0) {
      tp++
      leadTimes.push(Math.max(...leads))
    }
  }
  let fn = 0
  for (const [tenant, outcomes] of outcomeDays) {
    const days = firedDays.get(tenant) ?? []
    if (!outcomes.some((o) => days.some((d) => foretold(d, o)))) fn++
  }
  const firedAccounts = firedDays.size
  const positives = outcomeDays.size
  const fp = firedAccounts - tp
  const tn = Math.max(0, input.population - tp - fp - fn)
  const precision = firedAccounts > 0 ? tp / firedAccounts : null
  const recall = positives > 0 ? tp / positives : null
  const baseRate = input.population > 0 ? positives / input.population : null
  const weeks = (end - start + 1) / 7
  return {
    from,
    to,
    horizonDays,
    population: input.population,
    firedAccounts,
    firingsPerWeek: round(episodes / weeks),
    confusion: { truePositives: tp, falsePositives: fp, falseNegatives: fn, trueNegatives: tn },
    precision: precision === null ? null : round(precision),
    recall: recall === null ? null : round(recall),
    baseRate: baseRate === null ? null : round(baseRate),
    lift: precision !== null && baseRate ? round(precision / baseRate) : null,
    medianLeadTimeDays: leadTimes.length > 0 ? median(leadTimes) : null,
    timeline: timeline(firedDays, outcomeDays, start, end + horizonDays),
  }
}

/** How many accounts fired, and how many outcomes came, on each day: for a chart. */
function timeline(
  firedDays: Map<string, number[]>,
  outcomeDays: Map<string, number[]>,
  start: number,
  end: number,
): BacktestReport['timeline'] {
  const count = (days: Map<string, number[]>) => {
    const per = new Map<number, number>()
    for (const list of days.values()) for (const d of list) per.set(d, (per.get(d) ?? 0) + 1)
    return per
  }
  const fired = count(firedDays)
  const outcomes = count(outcomeDays)
  const out: BacktestReport['timeline'] = []
  for (let d = start; d <= end; d++) {
    const day = new Date(d * DAY_MS).toISOString().slice(0, 10)
    out.push({ day, firings: fired.get(d) ?? 0, outcomes: outcomes.get(d) ?? 0 })
  }
  return out
}

const round = (x: number) => Math.round(x * 1000) / 1000

/** tenant → its distinct day numbers, ascending. */
function groupDays(
  pairs: ReadonlyArray<readonly [string, string]>,
  keep: (day: number) => boolean = () => true,
): Map<string, number[]> {
  const out = new Map<string, Set<number>>()
  for (const [tenant, day] of pairs) {
    const d = dayNumber(day)
    if (!keep(d)) continue
    const set = out.get(tenant) ?? new Set<number>()
    set.add(d)
    out.set(tenant, set)
  }
  return new Map([...out].map(([t, set]) => [t, [...set].sort((a, b) => a - b)]))
}
