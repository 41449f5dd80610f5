import { describe, expect, it } from 'vitest'
import { validateEvent, validateEventWithSchema } from './validate-event.js'

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

describe('when the hand-written check and the schema judge the same event', () => {
  const bases: Record<string, Record<string, unknown>> = {
    track: { type: 'track', event: 'Signed Up', properties: { a: 1 } },
    identify: { type: 'identify', traits: { plan: 'pro' } },
    group: { type: 'group', groupId: 't1', traits: { name: 'Acme' } },
    page: { type: 'page', name: 'Home', category: 'Docs', properties: { path: '/' } },
    screen: { type: 'screen', name: 'Home', properties: {} },
    alias: { type: 'alias', previousId: 'old' },
  }
  const fields = [
    'type',
    'messageId',
    'timestamp',
    'sentAt',
    'originalTimestamp',
    'userId',
    'anonymousId',
    'context',
    'integrations',
    'event',
    'properties',
    'traits',
    'groupId',
    'name',
    'category',
    'previousId',
    'extra',
  ]
  const values: unknown[] = [
    undefined,
    null,
    '',
    'x',
    'x'.repeat(64),
    'x'.repeat(65),
    'x'.repeat(256),
    'x'.repeat(257),
    'x'.repeat(512),
    'x'.repeat(513),
    '2026-11-25T14:03:07.009Z',
    '2026-11-25',
    'not a date',
    0,
    -0,
    42.5,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    true,
    {},
    { groupId: 't' },
    [],
    'track',
    'constructor',
    '__proto__',
  ]
  // Every base with every field set to every value, and with the field deleted: the
  // edges of each rule, one at a time, on each event type.
  const events: unknown[] = Object.values(bases).flatMap((base) =>
    fields.flatMap((field) => [
      ...values.map((value) => ({ userId: 'u1', ...base, [field]: value })),
      {
        anonymousId: 'a1',
        ...Object.fromEntries(Object.entries(base).filter(([k]) => k !== field)),
      },
    ]),
  )
  events.push(null, 'text', [], { userId: 'u1' })

  it('gives the same verdict, detail and event, key order included', () => {
    const differ = events.filter((event) => {
      const fast = validateEvent(event)
      const schema = validateEventWithSchema(event)
      return JSON.stringify(fast) !== JSON.stringify(schema) || fast.ok !== schema.ok
    })
    expect(differ).toEqual([])
    expect(events.filter((e) => validateEvent(e).ok).length).toBeGreaterThan(100)
  })

  it('gives the same event object to later steps', () => {
    for (const event of events) {
      const fast = validateEvent(event)
      const schema = validateEventWithSchema(event)
      if (fast.ok && schema.ok) expect(fast.value).toStrictEqual(schema.value)
    }
  })
})
