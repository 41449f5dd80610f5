// Quality figures of a risk score against what happened, on (account, as-of day) rows:
// a higher score means more risk; a label is 1 when the account cancelled within the
// horizon after the as-of day. Pure functions, so that the model, every rule and the
// health score are scored by the same code in the same run.

export interface Scored {
  score: number
  label: 0 | 1
}

/** Indexes of `rows` by score, highest first; ties keep their order. */
function byScoreDesc(rows: readonly Scored[]): number[] {
  return rows.map((_, i) => i).sort((a, b) => rows[b]!.score - rows[a]!.score || a - b)
}

/**
 * Area under the ROC curve: the chance that a random positive row scores above a random
 * negative one, ties counting a half (the Mann–Whitney statistic). Null without both.
 */
export function rocAuc(rows: readonly Scored[]): number | null {
  const positives = rows.filter((r) => r.label === 1).length
  const negatives = rows.length - positives
  if (positives === 0 || negatives === 0) return null
  const order = [...rows].sort((a, b) => a.score - b.score)
  // Mid-ranks over ties, then the rank sum of the positives.
  let rankSum = 0
  for (let i = 0; i < order.length; ) {
    let j = i
    while (j < order.length && order[j]!.score === order[i]!.score) j++
    const midRank = (i + 1 + j) / 2
    for (let k = i; k < j; k++) if (order[k]!.label === 1) rankSum += midRank
    i = j
  }
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives)
}

/**
 * Area under the precision–recall curve as average precision: the precision at each
 * distinct score, weighted by the recall it adds. A yes/no score (a rule) gets one step:
 * its precision times its recall, plus the base rate for the rest. Null without positives.
 */
export function prAuc(rows: readonly Scored[]): number | null {
  const positives = rows.filter((r) => r.label === 1).length
  if (positives === 0) return null
  const order = byScoreDesc(rows)
  let tp = 0
  let seen = 0
  let area = 0
  let lastRecall = 0
  for (let i = 0; i < order.length; ) {
    const score = rows[order[i]!]!.score
    while (i < order.length && rows[order[i]!]!.score === score) {
      tp += rows[order[i]!]!.label
      seen++
      i++
    }
    const recall = tp / positives
    area += (recall - lastRecall) * (tp / seen)
    lastRecall = recall
  }
  return area
}

/** Mean squared error of probabilities; only meaningful for a score in 0..1. */
export function brierScore(rows: readonly Scored[]): number | null {
  if (rows.length === 0) return null
  return rows.reduce((sum, r) => sum + (r.score - r.label) ** 2, 0) / rows.length
}

export interface CalibrationBin {
  /** Predicted probabilities from..to (to included in the last bin). */
  from: number
  to: number
  rows: number
  meanPredicted: number | null
  observedRate: number | null
}

/** Predicted against observed, in ten equal-width bins of probability. */
export function calibrationTable(rows: readonly Scored[], bins = 10): CalibrationBin[] {
  const out = Array.from({ length: bins }, (_, i) => ({
    from: i / bins,
    to: (i + 1) / bins,
    rows: 0,
    sumPredicted: 0,
    positives: 0,
  }))
  for (const r of rows) {
    const bin = out[Math.min(bins - 1, Math.max(0, Math.floor(r.score * bins)))]!
    bin.rows++
    bin.sumPredicted += r.score
    bin.positives += r.label
  }
  return out.map((b) => ({
    from: b.from,
    to: b.to,
    rows: b.rows,
    meanPredicted: b.rows > 0 ? b.sumPredicted / b.rows : null,
    observedRate: b.rows > 0 ? b.positives / b.rows : null,
  }))
}

/**
 * The positive rate among the top tenth of rows by score, over the base rate. Where the
 * cut falls inside rows of one score (a rule's yes), that block counts pro rata: its
 * order is no ranking.
 */
export function liftTopDecile(rows: readonly Scored[]): number | null {
  const positives = rows.filter((r) => r.label === 1).length
  if (positives === 0 || rows.length < 10) return null
  const order = byScoreDesc(rows)
  const quota = rows.length / 10
  let taken = 0
  let hits = 0
  for (let i = 0; i < order.length && taken < quota; ) {
    const score = rows[order[i]!]!.score
    let size = 0
    let blockHits = 0
    for (; i < order.length && rows[order[i]!]!.score === score; i++, size++)
      blockHits += rows[order[i]!]!.label
    const share = Math.min(1, (quota - taken) / size)
    taken += share * size
    hits += share * blockHits
  }
  return hits / taken / (positives / rows.length)
}

/** One account's rows, folded: its highest score, and its highest where a cancellation followed. */
export interface AccountScores {
  max: number
  maxPositive: number | null
}

/**
 * The lowest threshold at which the accounts it flags (score at or above it on some day)
 * reach `precision`, counted as the backtests count (a flag is right when a cancellation
 * followed within the horizon, a positive row), with at least `minAccounts` flagged so
 * that the choice is not made on two accounts. When no threshold reaches it, the most
 * precise one (reached false); null when too few accounts have rows at all.
 */
export function thresholdForPrecision(
  accounts: Iterable<AccountScores>,
  precision: number,
  minAccounts = 10,
): { threshold: number; precision: number; reached: boolean } | null {
  // Walking down the scores, an account is flagged from its highest score on, and right
  // from its highest positive score on: two steps per account.
  const steps: Array<{ score: number; flagged: number; right: number }> = []
  for (const a of accounts) {
    const rightAtMax = a.maxPositive === a.max ? 1 : 0
    steps.push({ score: a.max, flagged: 1, right: rightAtMax })
    if (a.maxPositive !== null && rightAtMax === 0)
      steps.push({ score: a.maxPositive, flagged: 0, right: 1 })
  }
  steps.sort((x, y) => y.score - x.score)
  let flagged = 0
  let right = 0
  let best: { threshold: number; precision: number; reached: boolean } | null = null
  // Short of the target, the most precise threshold flagging enough accounts.
  let fallback: { threshold: number; precision: number; reached: boolean } | null = null
  for (let i = 0; i < steps.length; ) {
    const score = steps[i]!.score
    for (; i < steps.length && steps[i]!.score === score; i++) {
      flagged += steps[i]!.flagged
      right += steps[i]!.right
    }
    if (flagged < minAccounts) continue
    const p = right / flagged
    if (p >= precision) best = { threshold: score, precision: p, reached: true }
    if (fallback === null || p > fallback.precision)
      fallback = { threshold: score, precision: p, reached: false }
  }
  return best ?? fallback
}

/** Folds rows into their accounts' scores, for thresholdForPrecision. */
export function accountScores(
  rows: ReadonlyArray<{ tenantId: string; score: number; label: 0 | 1 }>,
): AccountScores[] {
  const out = new Map<string, AccountScores>()
  for (const r of rows) {
    const a = out.get(r.tenantId) ?? { max: Number.NEGATIVE_INFINITY, maxPositive: null }
    a.max = Math.max(a.max, r.score)
    if (r.label === 1) a.maxPositive = Math.max(a.maxPositive ?? Number.NEGATIVE_INFINITY, r.score)
    out.set(r.tenantId, a)
  }
  return [...out.values()]
}
