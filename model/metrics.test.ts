import { describe, expect, it } from 'vitest'
import { timeSplit } from './dataset.js'
import {
  accountScores,
  brierScore,
  calibrationTable,
  liftTopDecile,
  prAuc,
  rocAuc,
  type Scored,
  thresholdForPrecision,
} from './metrics.js'

const rows = (pairs: Array<[number, 0 | 1]>): Scored[] =>
  pairs.map(([score, label]) => ({ score, label }))

describe('quality figures', () => {
  it('AUC: the share of positive-negative pairs ranked right, ties a half', () => {
    expect(
      rocAuc(
        rows([
          [0.9, 1],
          [0.8, 0],
          [0.7, 1],
          [0.1, 0],
        ]),
      ),
    ).toBe(0.75)
    expect(
      rocAuc(
        rows([
          [1, 1],
          [1, 0],
        ]),
      ),
    ).toBe(0.5)
    expect(rocAuc(rows([[0.3, 0]]))).toBeNull()
  })

  it('PR-AUC: average precision, a yes/no score in one step', () => {
    // Ranked 1,0,1,0: precision 1 at recall 0.5, 2/3 at recall 1.
    expect(
      prAuc(
        rows([
          [0.9, 1],
          [0.8, 0],
          [0.7, 1],
          [0.1, 0],
        ]),
      ),
    ).toBeCloseTo(0.5 + 0.5 * (2 / 3))
    // A rule fired on 2 rows, 1 positive, of 2 positives in 10 rows: 0.5 × 0.5 + 0.2 × 0.5.
    const rule = rows([
      [1, 1],
      [1, 0],
      [0, 1],
      ...Array.from({ length: 7 }, (): [number, 0 | 1] => [0, 0]),
    ])
    expect(prAuc(rule)).toBeCloseTo(0.5 * 0.5 + 0.2 * 0.5)
  })

  it('Brier score, calibration bins and lift in the top tenth', () => {
    expect(
      brierScore(
        rows([
          [0.9, 1],
          [0.2, 0],
        ]),
      ),
    ).toBeCloseTo((0.01 + 0.04) / 2)
    const bins = calibrationTable(
      rows([
        [0.05, 0],
        [0.07, 1],
        [0.95, 1],
        [1, 1],
      ]),
    )
    expect(bins[0]).toMatchObject({ rows: 2, observedRate: 0.5 })
    expect(bins[0]!.meanPredicted).toBeCloseTo(0.06)
    expect(bins[9]).toMatchObject({ rows: 2, observedRate: 1 })
    // 20 rows, 2 positives: the top 2 rows hold both, 10 times the base rate.
    const ranked = rows(
      Array.from({ length: 20 }, (_, i): [number, 0 | 1] => [1 - i / 20, i < 2 ? 1 : 0]),
    )
    expect(liftTopDecile(ranked)).toBe(10)
    // A yes/no score of 4 rows with 1 positive, cut at 2: the block counts pro rata.
    const tied = rows([
      [1, 1],
      [1, 0],
      [1, 0],
      [1, 0],
      ...Array.from({ length: 16 }, (): [number, 0 | 1] => [0, 0]),
    ])
    expect(liftTopDecile(tied)).toBeCloseTo(0.25 / (1 / 20))
  })

  it('picks the lowest threshold whose flagged accounts reach the precision', () => {
    const accounts = accountScores([
      { tenantId: 'a', score: 0.9, label: 1 },
      { tenantId: 'b', score: 0.8, label: 1 },
      { tenantId: 'c', score: 0.7, label: 0 },
      // d is flagged from 0.6 on and right: its positive row scores 0.6.
      { tenantId: 'd', score: 0.6, label: 1 },
      { tenantId: 'd', score: 0.65, label: 0 },
      { tenantId: 'e', score: 0.5, label: 0 },
    ])
    // At 0.6: a, b, d right of a, b, c, d flagged: 0.75.
    expect(thresholdForPrecision(accounts, 0.75, 1)).toEqual({
      threshold: 0.6,
      precision: 0.75,
      reached: true,
    })
    // Nothing reaches 0.99 with 3 or more flagged: the most precise such threshold
    // (0.7: 2 of 3; 0.65: 2 of 4; 0.6: 3 of 4; 0.5: 3 of 5).
    expect(thresholdForPrecision(accounts, 0.99, 3)).toEqual({
      threshold: 0.6,
      precision: 0.75,
      reached: false,
    })
  })
})

describe('the time split', () => {
  it('leaves a horizon between training and validation, and says what a short history lacks', () => {
    const split = timeSplit({ firstDay: '2025-01-01', lastDay: '2025-06-29', horizonDays: 30 })
    // As-of days 2025-02-26 .. 2025-05-30 (94) have a full look-back and a full horizon;
    // less the 30-day gap, 64 to share: 32 of training, the gap, 32 of validation.
    expect(split).toEqual({
      trainFrom: '2025-02-26',
      trainTo: '2025-03-29',
      validFrom: '2025-04-29',
      validTo: '2025-05-30',
      horizonDays: 30,
    })
    expect(() =>
      timeSplit({ firstDay: '2026-10-18', lastDay: '2026-12-01', horizonDays: 30 }),
    ).toThrow(
      'a history of 2026-10-18..2026-12-01 (45 days) is too short to split: it needs at least 118 days',
    )
    expect(() =>
      timeSplit({
        firstDay: '2025-01-01',
        lastDay: '2025-06-29',
        horizonDays: 30,
        validationDays: 70,
      }),
    ).toThrow('a validation period of 70 days leaves no training period')
  })
})
