import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import type { SimEvent } from './event-types.js'
import { collectDay, generateDay, generateTenantDay } from './generate.js'
import { eventsByDay, smallWorld, tenantOf } from './test-support.js'
import type { World } from './world-types.js'

function digest(world: World): string {
  const hash = createHash('sha256')
  for (let day = 0; day < world.days; day++) {
    generateDay(world, day, (e) => hash.update(`${JSON.stringify(e)}\n`))
  }
  return hash.digest('hex')
}

describe('when two worlds share a seed', () => {
  it('generates the same events byte for byte', () => {
    expect(digest(smallWorld('same'))).toBe(digest(smallWorld('same')))
  })
})

describe('when two worlds have different seeds', () => {
  it('generates different events', () => {
    expect(digest(smallWorld('one'))).not.toBe(digest(smallWorld('two')))
  })
})

describe('when one tenant-day is generated alone', () => {
  const world = smallWorld()

  it('equals the same slice of the whole day, whatever ran before', () => {
    const picks = [
      [199, 44],
      [0, 0],
      [57, 12],
      [123, 30],
      [57, 11],
    ] as const
    for (const [tenant, day] of picks) {
      const alone: SimEvent[] = []
      generateTenantDay(world, tenant, day, (e) => alone.push(e))
      const id = world.tenants[tenant]!.id
      const slice = collectDay(world, day).filter((e) => tenantOf(e) === id)
      expect(JSON.stringify(alone)).toBe(JSON.stringify(slice))
    }
  })
})

describe('when a day is split into tenant ranges', () => {
  it('yields the same events as the whole day', () => {
    const world = smallWorld()
    const parts = [
      ...collectDay(world, 9, { from: 0, to: 70 }),
      ...collectDay(world, 9, { from: 70, to: 200 }),
    ]
    expect(JSON.stringify(parts)).toBe(JSON.stringify(collectDay(world, 9)))
  })
})

describe('when a day outside the run is asked for', () => {
  it('refuses it', () => {
    const world = smallWorld()
    expect(() => collectDay(world, world.days)).toThrow(RangeError)
    expect(() => collectDay(world, -1)).toThrow(RangeError)
  })
})

describe('when the events of a world are sent as an SDK would', () => {
  const world = smallWorld()
  const days = eventsByDay(world)
  const all = days.flat()

  it('names the tenant in every event: context.groupId, or groupId on group calls', () => {
    const ids = new Set(world.tenants.map((t) => t.id))
    const traitKeys = ['mrr', 'name', 'plan', 'seats'].join()
    const wrong = all.filter((e) =>
      e.type === 'group'
        ? !ids.has(e.groupId) || 'context' in e || Object.keys(e.traits).sort().join() !== traitKeys
        : !ids.has(e.context.groupId),
    )
    expect(wrong).toEqual([])
  })

  it('sends one group call per tenant on day 0', () => {
    const groups = days[0]!.filter((e) => e.type === 'group').map(tenantOf)
    expect(new Set(groups).size).toBe(world.tenants.length)
  })

  it('keeps message ids unique and timestamps within the day, in order per tenant', () => {
    expect(new Set(all.map((e) => e.messageId)).size).toBe(all.length)
    const wrong: SimEvent[] = []
    days.forEach((events, day) => {
      const prefix = world.datePrefix[day]!
      const last = new Map<string, string>()
      for (const e of events) {
        const tenant = tenantOf(e)
        const ordered = e.timestamp >= (last.get(tenant) ?? '')
        if (!e.timestamp.startsWith(prefix) || !ordered) wrong.push(e)
        last.set(tenant, e.timestamp)
      }
    })
    expect(wrong).toEqual([])
    for (const e of all.slice(0, 5000))
      expect(new Date(e.timestamp).toISOString()).toBe(e.timestamp)
  })

  it('gives every feature event and sign-in a catalogue module', () => {
    const keys = new Set(world.catalogue.modules.map((m) => m.key))
    const lifecycle = ['Order Completed', 'Subscription Renewed', 'Subscription Cancelled']
    const wrong = all.filter(
      (e) =>
        e.type === 'track' &&
        !lifecycle.includes(e.event) &&
        !keys.has(e.properties.module as string),
    )
    expect(wrong).toEqual([])
  })
})
