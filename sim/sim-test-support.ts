import { createHash } from 'node:crypto'
import type { ClickHouse } from '../platform/clickhouse.js'
import { loadConfig } from '../platform/config.js'
import type { SimEvent } from './event-types.js'
import { generateDay } from './generate.js'
import type { SimulationSpec } from './simulation-spec.js'
import type { World } from './world-types.js'

// Shared by the tests of the simulate modes: a small world, ingest's default limits,
// and reads of what a run stored.

export const limits = loadConfig({})

export function testSpec(overrides: Partial<SimulationSpec> = {}): SimulationSpec {
  return {
    seed: 'simulate-test',
    scale: 'small',
    tenants: 40,
    days: 3,
    start: '2025-03-03',
    modulesFile: limits.modulesFile,
    ...overrides,
  }
}

export function allEvents(world: World): SimEvent[] {
  const events: SimEvent[] = []
  for (let day = 0; day < world.days; day++) generateDay(world, day, (e) => events.push(e))
  return events
}

/** The events table as text, every row (copies too), in a fixed order. */
export async function eventsDigest(ch: ClickHouse): Promise<{ rows: number; sha256: string }> {
  const result = await ch.client.query({
    query: 'SELECT * FROM {db:Identifier}.events ORDER BY tenant_id, timestamp, message_id',
    format: 'TabSeparated',
    query_params: { db: ch.database },
  })
  const text = await result.text()
  return {
    rows: text === '' ? 0 : text.trimEnd().split('\n').length,
    sha256: createHash('sha256').update(text).digest('hex'),
  }
}
