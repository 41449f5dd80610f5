import { addDays, differenceInCalendarDays } from 'date-fns'
import { recordedOutcomes } from '../crm/outcomes.js'
import type { Queryable } from '../platform/postgres.js'
import { LOOKBACK_DAYS, type RawFeatures } from './features.js'

/** A row the model learns from or is judged on: features and what followed. */
export interface Example {
  raw: RawFeatures
  /** 1 when the account cancelled on the as-of day or within the horizon after it. */
  label: 0 | 1
}

/**
 * The periods of a time split, YYYY-MM-DD as-of days, both ends included. Training
 * rows end `horizonDays` before validation starts, so that no label of training reads
 * an outcome of the validation period: the model never sees that period at all.
 */
export interface TimeSplit {
  trainFrom: string
  trainTo: string
  validFrom: string
  validTo: string
  horizonDays: number
}

export class TimeSplitError extends Error {}

const day = (d: string) => new Date(`${d}T00:00:00Z`)
const text = (d: Date) => d.toISOString().slice(0, 10)

/**
 * The split of a history whose events run from `firstDay` to `lastDay`: as-of days
 * start once a full look-back lies behind them and end a horizon before the last day
 * (later rows could not know their label yet); the later part is validation. By
 * default training and validation get as many as-of days each.
 */
export function timeSplit(options: {
  firstDay: string
  lastDay: string
  horizonDays: number
  validationDays?: number
}): TimeSplit {
  const { horizonDays } = options
  const first = addDays(day(options.firstDay), LOOKBACK_DAYS)
  const last = addDays(day(options.lastDay), -horizonDays)
  const span = differenceInCalendarDays(last, first) + 1
  // Both periods need days, and a horizon lies between them.
  const usable = span - horizonDays
  const validationDays = options.validationDays ?? Math.floor(usable / 2)
  if (usable < 2 || validationDays < 1 || validationDays >= usable)
    throw new TimeSplitError(
      `a history of ${options.firstDay}..${options.lastDay} (${differenceInCalendarDays(day(options.lastDay), day(options.firstDay)) + 1} days) is too short to split` +
        (validationDays >= 1 && usable >= 2 && validationDays >= usable
          ? `: a validation period of ${validationDays} days leaves no training period (${usable} as-of days to share)`
          : `: it needs at least ${LOOKBACK_DAYS + 2 * horizonDays + 2} days (${LOOKBACK_DAYS} of look-back, a training day, a ${horizonDays}-day gap, a validation day, ${horizonDays} days for its outcomes)`),
    )
  const validFrom = addDays(last, 1 - validationDays)
  return {
    trainFrom: text(first),
    trainTo: text(addDays(validFrom, -horizonDays - 1)),
    validFrom: text(validFrom),
    validTo: text(last),
    horizonDays,
  }
}

const DAY_MS = 86_400_000
/** A YYYY-MM-DD day as whole days since 1970-01-01 (UTC). */
export const dayNumber = (d: string) => Math.round(Date.parse(`${d}T00:00:00Z`) / DAY_MS)

/** Each account's cancellations (moves into `churned`) from..until, as day numbers. */
export async function cancellations(
  db: Queryable,
  from: string,
  until: string,
): Promise<Map<string, number[]>> {
  const out = new Map<string, number[]>()
  for (const o of await recordedOutcomes(db, 'churn', from, until)) {
    const list = out.get(o.tenantId) ?? []
    list.push(dayNumber(o.day))
    out.set(o.tenantId, list)
  }
  return out
}

/** Labels rows: a cancellation on the as-of day or up to `horizonDays` after it. */
export function labelRows(
  rows: readonly RawFeatures[],
  outcomes: ReadonlyMap<string, readonly number[]>,
  horizonDays: number,
): Example[] {
  return rows.map((raw) => {
    const d = dayNumber(raw.asOf)
    const hit = (outcomes.get(raw.tenantId) ?? []).some((c) => c >= d && c - d <= horizonDays)
    return { raw, label: hit ? 1 : 0 }
  })
}

/** The smallest number of cancelling accounts training accepts. */
export const MIN_TRAINING_OUTCOMES = 10

export class TooFewOutcomesError extends Error {
  constructor(
    readonly needed: number,
    readonly found: number,
    period: string,
  ) {
    super(
      `too few cancellations to train on: ${found} account${found === 1 ? '' : 's'} cancelled within the horizon of the training period ${period}, at least ${needed} are needed; wait for more history or shorten the validation period`,
    )
  }
}

/** Distinct accounts with a positive row. */
export function positiveAccounts(examples: readonly Example[]): number {
  return new Set(examples.filter((e) => e.label === 1).map((e) => e.raw.tenantId)).size
}
