import path from 'node:path'
import { loadCatalogue } from './catalogue.js'
import type { SimEvent } from './event-types.js'
import { generateDay } from './generate.js'
import { createWorld, scales } from './world.js'
import type { World } from './world-types.js'

// Shared by the simulator's tests: the small preset world and its events, by day.

export const catalogue = loadCatalogue(path.join(import.meta.dirname, '..', 'modules.json'))
export const START = new Date('2025-03-03T00:00:00Z')

export function smallWorld(seed = 'tenantpulse-test'): World {
  return createWorld({ seed, ...scales.small, start: START, modules: catalogue })
}

/** Every event of the world, one array per day. */
export function eventsByDay(world: World): SimEvent[][] {
  const days: SimEvent[][] = []
  for (let day = 0; day < world.days; day++) {
    const events: SimEvent[] = []
    generateDay(world, day, (e) => events.push(e))
    days.push(events)
  }
  return days
}

export function tenantOf(event: SimEvent): string {
  return event.type === 'group' ? event.groupId : event.context.groupId
}
