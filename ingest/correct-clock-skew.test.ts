import { describe, expect, it } from 'vitest'
import { correctClockSkew } from './correct-clock-skew.js'

const now = Date.parse('2026-11-25T12:00:00.000Z')

describe('when the client clock is off by an hour', () => {
  it('moves the event by the hour (Segment: receivedAt - (sentAt - timestamp))', () => {
    const t = correctClockSkew('2026-11-25T12:59:00.000Z', '2026-11-25T13:00:00.000Z', now, 2000)
    expect(new Date(t).toISOString()).toBe('2026-11-25T11:59:00.000Z')
  })
})

describe('when the gap is within the tolerance', () => {
  it('keeps the timestamp as sent, so a retry keeps its time', () => {
    expect(
      correctClockSkew('2026-11-25T11:00:00.000Z', '2026-11-25T11:59:59.500Z', now, 2000),
    ).toBe(Date.parse('2026-11-25T11:00:00.000Z'))
  })
})

describe('when an event is stamped after we received it', () => {
  it('takes the receive time', () => {
    expect(
      correctClockSkew('2026-11-25T12:00:00.300Z', '2026-11-25T12:00:00.000Z', now, 2000),
    ).toBe(now)
  })
})

describe('when the event has no timestamp', () => {
  it('takes the receive time', () => {
    expect(correctClockSkew(undefined, undefined, now, 2000)).toBe(now)
  })
})
