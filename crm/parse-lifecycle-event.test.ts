import { describe, expect, it } from 'vitest'
import { parseLifecycleEvent, parseTimestamp } from './parse-lifecycle-event.js'

const base = { tenantId: 't1', messageId: 'm1', timestamp: '2024-01-01T00:00:00Z' } as const

describe('when ClickHouse hands over a time without a zone', () => {
  it('reads it as UTC, not local time', () => {
    expect(parseTimestamp('2024-03-01 10:20:30.123')).toEqual(new Date('2024-03-01T10:20:30.123Z'))
    expect(parseTimestamp('2024-03-01T10:20:30+02:00')).toEqual(new Date('2024-03-01T08:20:30Z'))
  })
})

describe('when an order carries money as numbers or strings', () => {
  it('keeps it as exact text with cents, and modules once each, sorted', () => {
    const parsed = parseLifecycleEvent({
      ...base,
      type: 'track',
      event: 'Order Completed',
      properties: {
        orderId: 42,
        revenue: 1200,
        products: [{ module: 'sso' }, { module: 'api' }, { module: 'sso' }, {}],
      },
    })
    expect(parsed).toMatchObject({
      ok: true,
      event: {
        kind: 'order',
        order: { orderId: '42', revenue: '1200.00', modules: ['api', 'sso'] },
      },
    })
  })

  it('refuses money it would have to round or that is negative', () => {
    for (const revenue of ['12.345', -1, '1e3']) {
      const parsed = parseLifecycleEvent({
        ...base,
        type: 'track',
        event: 'Order Completed',
        properties: { orderId: 'A', revenue },
      })
      expect(parsed).toMatchObject({ ok: false, reason: 'invalid_order' })
    }
  })
})

describe('when a group call has traits of the wrong type', () => {
  it('refuses it with the field named', () => {
    const parsed = parseLifecycleEvent({
      ...base,
      type: 'group',
      traits: { seats: '12', plan: 'pro' },
    })
    expect(parsed).toMatchObject({
      ok: false,
      reason: 'invalid_traits',
      detail: expect.stringContaining('seats'),
    })
  })
})
