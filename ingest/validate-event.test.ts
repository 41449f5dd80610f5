import { describe, expect, it } from 'vitest'
import { validateEvent } from './validate-event.js'

const track = { type: 'track', event: 'Signed Up', userId: 'u1' }

describe('validateEvent', () => {
  it('keeps an object field as the sender sent it', () => {
    const properties = { plan: 'pro', nested: { seats: 3 }, list: [1, 2] }
    const result = validateEvent({ ...track, properties, context: { groupId: 't1' } })
    expect(result.ok && result.value).toMatchObject({ properties, context: { groupId: 't1' } })
  })

  it.each([
    ['context', 'a string'],
    ['context', [1, 2]],
    ['properties', null],
    ['properties', 42],
    ['integrations', true],
  ])('refuses %s that is not an object (%j), naming the field', (field, value) => {
    const result = validateEvent({ ...track, [field]: value })
    expect(result.ok).toBe(false)
    expect(!result.ok && result.detail).toContain(`${field}: expected an object`)
  })

  it('refuses a group call whose traits are an array', () => {
    const result = validateEvent({ type: 'group', groupId: 't1', userId: 'u1', traits: ['x'] })
    expect(!result.ok && result.detail).toContain('traits: expected an object')
  })
})
