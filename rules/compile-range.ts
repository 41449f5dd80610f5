import {
  paren,
  pointMode,
  rangeMode,
  type ScanAggregate,
  scanFilters,
  scopeKeys,
} from './compile-metric.js'
import {
  type Aggregate,
  aggregateSql,
  pickRollup,
  type Rollup,
  userKeySql,
} from './metric-catalogue.js'
import type { Scope } from './rule-ast.js'

// Range mode (backtests): a scope's usage figures as of every day {from:Date}..{to:Date}.
//
// Joining each rollup row to every as-of day whose window holds it multiplies the rows
// by the look-back (×28 for 14 days against the 14 before), and a backtest of 180 days
// × 10,000 tenants spent most of its time folding those copies. Here each figure (an
// aggregate over some kinds and module, whatever its windows) has a pass of its own, on
// the smallest rollup that answers it, in one of two shapes:
// - figures that add up over days (events, user-days, days, the last day) are folded
//   per day first, and only those few per-day rows are joined to the as-of days;
// - distinct users cannot be added up: each user's active days are cut into runs with
//   gaps shorter than the window; a run counts the user on the as-of days from its
//   first day to its last plus the window. Each run is two steps (+1, then −1), and a
//   running sum per tenant turns them into users per as-of day: rows per run, not per
//   user and day covered.
// The scope's figures are then put side by side on (as_of, tenant[, module]).
//
// Events are counted distinct per day and added up: a message id belongs to one day
// (it is part of the events table's key), so the sum is the distinct count of point
// mode. rules/evaluate.test.ts checks that a backtest finds exactly the firings and
// evidence of evaluating day by day, for every built-in rule.

const asOfDays = (days: string) => `arrayFilter(d -> d >= {from:Date} AND d <= {to:Date}, ${days})`

/** What a rollup row folds into per (keys, day), and how window `w` adds those up. */
const perDay: Record<
  Exclude<Aggregate, 'users'>,
  { inner: (r: Rollup) => string; outer: (w: number) => string }
> = {
  events: { inner: (r) => aggregateSql('events', null, r), outer: (w) => `sumIf(v, hit.2 = ${w})` },
  user_days: {
    inner: (r) => aggregateSql('users', null, r),
    outer: (w) => `sumIf(v, hit.2 = ${w})`,
  },
  days: { inner: () => 'count()', outer: (w) => `countIf(hit.2 = ${w})` },
  last_day: { inner: () => 'count()', outer: (w) => `maxIf(day, hit.2 = ${w})` },
}

/** The bounds of a window in days before the as-of day, as SQL. */
function bounds(a: ScanAggregate) {
  const lo = paren(a.window.lo)
  const hi = a.window.hi === null ? null : paren(a.window.hi)
  return { lo, first: hi === null ? '1' : `${hi} + 1` }
}

/**
 * Aggregates that fold the same rows the same way but over different windows (this
 * week and the week before), as of every day of the range, in one pass over the
 * rollup: (as_of, keys..., one column per aggregate). Each window is tagged `w`.
 */
function rangeAggregates(scope: Scope, group: readonly ScanAggregate[]): string {
  const keys = scopeKeys(scope, pointMode)
  const [head] = group
  if (head === undefined) throw new Error('no aggregate to fold')
  const rollup = pickRollup([head.need])
  const windows = group.map((a, w) => ({ a, w, ...bounds(a) }))
  const farthest =
    windows.length === 1 ? windows[0]!.lo : `greatest(${windows.map((x) => x.lo).join(', ')})`
  const where = [
    `WHERE day >= {from:Date} - ${farthest} AND day < {to:Date}`,
    `  AND ${scanFilters(scope, rollup, [head.need], [head.filter], rangeMode)}`,
  ]
  const keyList = keys.join(', ')
  if (head.need.aggregate === 'users') {
    // Runs of a user's sorted days: a run starts where the gap to the day before is
    // longer than the window, and ends where the gap to the next one is. A run adds one
    // user from its first day + hi + 1 and takes it away after its last day + lo.
    const steps = windows.map(({ a, w, lo, first }) => {
      const starts = `arrayFilter((x, before) -> x > before + ${a.window.days}, days, previous)`
      const ends = `arrayFilter((x, after) -> after > x + ${a.window.days}, days, next)`
      return `arrayMap(s -> (s + ${first}, 1, ${w}), ${starts}), arrayMap(e -> (e + ${lo} + 1, -1, ${w}), ${ends})`
    })
    const partition = `PARTITION BY ${keyList}, w ORDER BY day`
    // The running sum holds from a step's day up to the next step's day, the rows with
    // users on them joined to those as-of days (none: 0, as a missing row reads).
    return [
      `SELECT as_of, ${keyList}, ${windows.map(({ a, w }) => `toUInt64(maxIf(users, w = ${w})) AS ${a.alias}`).join(', ')}`,
      'FROM (',
      `  SELECT ${keyList}, w, day, sum(step) OVER (${partition} ROWS UNBOUNDED PRECEDING) AS users,`,
      `    leadInFrame(day, 1, {to:Date} + 1) OVER (${partition} ROWS BETWEEN CURRENT ROW AND 1 FOLLOWING) AS next_day`,
      '  FROM (',
      `    SELECT ${keyList}, change.3 AS w, change.1 AS day, sum(change.2) AS step`,
      '    FROM (',
      '      SELECT *,',
      // Each day's neighbours, as arrays beside it: a lambda that indexed `days` itself
      // would copy the whole array for every element (measured: seconds a backtest).
      '        arrayPushFront(arrayPopBack(days), toDate(0)) AS previous,',
      "        arrayPushBack(arrayPopFront(days), toDate('2149-06-06')) AS next",
      '      FROM (',
      `        SELECT ${keyList}, arraySort(groupUniqArray(day)) AS days`,
      `        FROM {db:Identifier}.${rollup}`,
      ...where.map((line) => `        ${line}`),
      `        GROUP BY ${keyList}, ${userKeySql(rollup)}`,
      '      )',
      '    )',
      `    ARRAY JOIN arrayConcat(${steps.join(', ')}) AS change`,
      `    GROUP BY ${keyList}, w, day`,
      '  )',
      ')',
      `ARRAY JOIN ${asOfDays("arrayMap(i -> day + i, range(toUInt32(greatest(0, dateDiff('day', day, next_day)))))")} AS as_of`,
      'WHERE users > 0',
      `GROUP BY as_of, ${keyList}`,
    ].join('\n')
  }
  const fold = perDay[head.need.aggregate]
  const hits = windows.map(
    ({ w, lo, first }) =>
      `arrayMap(d -> (d, ${w}), ${asOfDays(`arrayMap(i -> day + i, range(${first}, ${lo} + 1))`)})`,
  )
  return [
    `SELECT hit.1 AS as_of, ${keyList}, ${windows.map(({ a, w }) => `${fold.outer(w)} AS ${a.alias}`).join(', ')}`,
    'FROM (',
    `  SELECT ${keyList}, day, ${fold.inner(rollup)} AS v`,
    `  FROM {db:Identifier}.${rollup}`,
    ...where.map((line) => `  ${line}`),
    `  GROUP BY ${keyList}, day`,
    ')',
    `ARRAY JOIN ${hits.length === 1 ? hits[0] : `arrayConcat(${hits.join(', ')})`} AS hit`,
    `GROUP BY as_of, ${keyList}`,
  ].join('\n')
}

/** Every aggregate of a scope as of every day of the range, side by side. */
export function rangeScanCte(scope: Scope, aggregates: readonly ScanAggregate[]): string {
  const keys = ['as_of', ...scopeKeys(scope, pointMode)]
  // Two conditions often read the same figure (active users and seat utilisation over
  // the same week): one column each for the distinct ones, the others copy it.
  const distinct = new Map<string, ScanAggregate>()
  for (const a of aggregates) if (!distinct.has(a.sameAs)) distinct.set(a.sameAs, a)
  const copies = aggregates
    .filter((a) => distinct.get(a.sameAs) !== a)
    .map((a) => `${distinct.get(a.sameAs)!.alias} AS ${a.alias}`)
  // One pass for the windows of the same figure over the same rows.
  const groups = new Map<string, ScanAggregate[]>()
  for (const a of distinct.values()) {
    const base = [pickRollup([a.need]), a.need.aggregate, a.filter].join('|')
    groups.set(base, [...(groups.get(base) ?? []), a])
  }
  const passes = [...groups.values()]
  const [only] = passes
  if (passes.length === 1 && only !== undefined) {
    const single = rangeAggregates(scope, only)
    if (copies.length === 0) return single
    return `SELECT *, ${copies.join(', ')}\nFROM (\n  ${single.replaceAll('\n', '\n  ')}\n)`
  }
  // A key missing from one pass's rows has no usage there: 0, or day 0 for the last
  // day, as a LEFT JOIN with join_use_nulls = 0 would give.
  const zero = (a: ScanAggregate) => (a.need.aggregate === 'last_day' ? 'toDate(0)' : 'toUInt64(0)')
  const columns = passes.flat()
  const parts = passes.map((pass) => {
    const select = columns.map((b) => (pass.includes(b) ? b.alias : `${zero(b)} AS ${b.alias}`))
    return `SELECT ${[...keys, ...select].join(', ')}\nFROM (\n  ${rangeAggregates(scope, pass).replaceAll('\n', '\n  ')}\n)`
  })
  const folded = columns.map((a) => `max(${a.alias}) AS ${a.alias}`)
  return [
    `SELECT ${[...keys, ...folded, ...copies].join(', ')}`,
    'FROM (',
    `  ${parts.join('\nUNION ALL\n').replaceAll('\n', '\n  ')}`,
    ')',
    `GROUP BY ${keys.join(', ')}`,
  ].join('\n')
}
