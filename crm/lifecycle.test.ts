import { describe, expect, it } from 'vitest'
import {
  initialLifecycle,
  isPaidPlan,
  type LifecycleEvent,
  legalFrom,
  lifecycleStates,
  transition,
} from './lifecycle.js'

const order: LifecycleEvent = { type: 'order_completed' }

describe('when a prospect, lead or opportunity places its first order', () => {
  it.each(['prospect', 'lead', 'opportunity'] as const)(
    'turns the %s into a customer: lead converted, new business won, order booked, handed to a CSM',
    (from) => {
      expect(transition(from, order)).toEqual({
        ok: true,
        from,
        to: 'customer',
        why: `first order of a ${from}`,
        effects: [
          { kind: 'close_open_lead', status: 'converted' },
          { kind: 'win_opportunity', opportunity: 'new' },
          { kind: 'record_order' },
          { kind: 'hand_to_customer_success' },
        ],
      })
    },
  )
})

describe('when a customer orders again', () => {
  it('stays a customer and books the order on a won upsell opportunity', () => {
    const result = transition('customer', order)
    expect(result).toMatchObject({ ok: true, to: 'customer' })
    expect(result.ok && result.effects).toEqual([
      { kind: 'win_opportunity', opportunity: 'upsell' },
      { kind: 'record_order' },
    ])
  })
})

describe('when a churned account orders or renews', () => {
  it('comes back as a customer handed to customer success', () => {
    for (const event of [order, { type: 'subscription_renewed' } as const]) {
      const result = transition('churned', event)
      expect(result).toMatchObject({ ok: true, from: 'churned', to: 'customer' })
      expect(result.ok && result.effects).toContainEqual({ kind: 'hand_to_customer_success' })
    }
  })
})

describe('when a customer cancels', () => {
  it('becomes churned and loses its open opportunities', () => {
    expect(transition('customer', { type: 'subscription_cancelled' })).toEqual({
      ok: true,
      from: 'customer',
      to: 'churned',
      why: 'subscription cancelled',
      effects: [{ kind: 'lose_open_opportunities' }],
    })
  })
})

describe('when a lead is entered, qualified, disqualified or lost', () => {
  it('moves prospect -> lead -> opportunity, and back to prospect', () => {
    expect(transition('prospect', { type: 'lead_entered', source: 'abm' })).toMatchObject({
      ok: true,
      to: 'lead',
      effects: [{ kind: 'open_lead', source: 'abm' }],
    })
    expect(transition('lead', { type: 'opportunity_opened' })).toMatchObject({
      ok: true,
      to: 'opportunity',
    })
    expect(transition('lead', { type: 'lead_disqualified' })).toMatchObject({
      ok: true,
      to: 'prospect',
    })
    expect(transition('opportunity', { type: 'opportunity_lost' })).toMatchObject({
      ok: true,
      to: 'prospect',
    })
  })
})

describe('when an event does not apply to the account state', () => {
  it.each([
    ['prospect', { type: 'subscription_cancelled' }],
    ['churned', { type: 'subscription_cancelled' }],
    ['prospect', { type: 'subscription_renewed' }],
    ['customer', { type: 'lead_entered', source: 'mql' }],
    ['opportunity', { type: 'opportunity_opened' }],
  ] as const)('refuses %s on %o as a value, without throwing', (from, event) => {
    expect(transition(from, event)).toEqual({
      ok: false,
      reason: 'illegal_transition',
      from,
      event: event.type,
    })
  })

  it('lists where each event is legal from', () => {
    expect(legalFrom('order_completed')).toEqual([...lifecycleStates])
    expect(legalFrom('subscription_cancelled')).toEqual(['customer'])
    expect(legalFrom('subscription_renewed')).toEqual(['customer', 'churned'])
  })
})

describe('when an account is first seen', () => {
  it('starts as a customer on a paid plan and as a prospect otherwise', () => {
    expect(initialLifecycle('business')).toBe('customer')
    expect(initialLifecycle('Free')).toBe('prospect')
    expect(initialLifecycle(undefined)).toBe('prospect')
    expect(isPaidPlan(' ')).toBe(false)
  })

  it("reads free plans in the company's own words (FREE_PLANS), any case", () => {
    const freePlans = ['Community', 'Trial']
    expect(initialLifecycle('community', freePlans)).toBe('prospect')
    expect(initialLifecycle(' TRIAL ', freePlans)).toBe('prospect')
    expect(initialLifecycle('free', freePlans)).toBe('customer')
    expect(initialLifecycle('Pro', freePlans)).toBe('customer')
    // The default knows only `free`: a product that calls its trial a plan says so.
    expect(initialLifecycle('trial')).toBe('customer')
  })
})
