import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { groundTruth } from './ground-truth.js'
import type { SimulationSpec } from './simulation-spec.js'
import type { World } from './world-types.js'

// The files beside a run: what really happened (ground-truth.json, for scoring rules
// and backtests) and how the run was made (run.json). Neither ever reaches the event
// stream; the rules have to find the traits in the events alone.

export interface RunRecord {
  mode: 'backfill' | 'stream'
  spec: Omit<SimulationSpec, 'modulesFile'> & { tenants: number }
  startedAt: string
  finishedAt: string
  result: Record<string, number>
}

export function writeGroundTruth(dir: string, world: World): string {
  mkdirSync(dir, { recursive: true })
  const file = path.join(dir, 'ground-truth.json')
  writeFileSync(file, `${JSON.stringify(groundTruth(world), null, 1)}\n`)
  return file
}

export function writeRunRecord(dir: string, record: RunRecord): string {
  mkdirSync(dir, { recursive: true })
  const file = path.join(dir, 'run.json')
  writeFileSync(file, `${JSON.stringify(record, null, 2)}\n`)
  return file
}
