import { describe, expect, it } from 'vitest'
import { parseTime } from './parse-time.js'

describe('parseTime', () => {
  it('reads the form SDKs send, to the millisecond', () => {
    expect(parseTime('2026-11-25T14:03:07.009Z')).toBe(Date.UTC(2026, 10, 25, 14, 3, 7, 9))
    expect(parseTime('2026-11-25T14:03:07Z')).toBe(Date.UTC(2026, 10, 25, 14, 3, 7))
  })

  it.each([
    '2024-02-30T00:00:00.000Z',
    '2023-02-29T23:59:59.999Z',
    '2024-01-01T24:00:00.000Z',
    '2024-01-01T23:59:60.000Z',
    '2024-13-01T00:00:00.000Z',
    '2024-00-01T00:00:00.000Z',
    '2024-01-00T00:00:00.000Z',
    '2024-01-32T00:00:00.000Z',
    '0099-01-01T00:00:00.000Z',
    '0999-12-31T23:59:59.999Z',
    '1000-01-01T00:00:00.000Z',
    '9999-12-31T23:59:59.999Z',
    '2024-01-01t00:00:00.000Z',
    '2024-01-01T00:00:00.000z',
    '2024-01-01T00:00:00.1234Z',
    '2024-01-01T00:00:00.12Z',
    '2024-01-01T00:00:00+01:00',
    '2024-01-01 00:00:00.000Z',
    '+002024-01-01T00:00:00.000Z',
    '2024-01-01T0a:00:00.000Z',
    '2024-01-01T00:00:00.0a0Z',
    '2024-01-01',
    'Mon, 25 Nov 2026 14:03:07 GMT',
    'not a date',
    '',
  ])('agrees with Date.parse on %j', (text) => {
    expect(parseTime(text)).toBe(Date.parse(text))
  })

  it('agrees with Date.parse across centuries', () => {
    let x = 12345
    for (let i = 0; i < 20_000; i++) {
      x = (x * 1103515245 + 12345) % 2 ** 31
      const text = new Date(((x / 2 ** 31) * 2 - 1) * 8e12).toISOString()
      expect(parseTime(text)).toBe(Date.parse(text))
      expect(parseTime(`${text.slice(0, 19)}Z`)).toBe(Date.parse(`${text.slice(0, 19)}Z`))
    }
  })
})
