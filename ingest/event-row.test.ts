import { describe, expect, it } from 'vitest'
import { toClickHouseTime } from './event-row.js'

const viaDate = (ms: number) => new Date(ms).toISOString().slice(0, 23).replace('T', ' ')

describe('toClickHouseTime', () => {
  it('writes UTC time to the millisecond, as ClickHouse reads DateTime64(3)', () => {
    expect(toClickHouseTime(Date.parse('2026-11-25T14:03:07.009Z'))).toBe('2026-11-25 14:03:07.009')
    expect(toClickHouseTime(Date.parse('2026-11-25T23:59:59.999Z'))).toBe('2026-11-25 23:59:59.999')
    expect(toClickHouseTime(Date.parse('2026-11-26T00:00:00.000Z'))).toBe('2026-11-26 00:00:00.000')
  })

  it('agrees with the Date-based form across days, years and before 1970', () => {
    // Deterministic spread: a linear congruential walk over ±300 years around 1970.
    let x = 12345
    const span = 300 * 365 * 86_400_000
    for (let i = 0; i < 20_000; i++) {
      x = (x * 1103515245 + 12345) % 2 ** 31
      const ms = Math.round((x / 2 ** 31) * 2 * span - span)
      expect(toClickHouseTime(ms)).toBe(viaDate(ms))
      // The next millisecond often shares the cached day; the one a day later never does.
      expect(toClickHouseTime(ms + 1)).toBe(viaDate(ms + 1))
      expect(toClickHouseTime(ms + 86_400_000)).toBe(viaDate(ms + 86_400_000))
    }
  })

  it('keeps the edges of four-digit years and beyond', () => {
    for (const iso of [
      '0000-01-01T00:00:00.000Z',
      '9999-12-31T23:59:59.999Z',
      '+010000-01-01T00:00:00.000Z',
      '-000001-12-31T23:59:59.999Z',
    ]) {
      const ms = Date.parse(iso)
      expect(toClickHouseTime(ms)).toBe(viaDate(ms))
    }
  })
})
