import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import type { ClickHouse } from '../platform/clickhouse.js'
import { queryRows, useTestClickHouse } from '../test/clickhouse.js'
import { groundTruth } from './ground-truth.js'
import { runBackfill } from './run-simulation.js'
import { limits, testSpec } from './sim-test-support.js'
import { buildWorld } from './simulation-spec.js'

let ch: ClickHouse
beforeAll(async () => {
  ch = await useTestClickHouse()
})

function capture() {
  let text = ''
  return { out: { write: (t: string) => (text += t) }, text: () => text }
}

/** Every key of the truth's tenants that is not also a public fact about a tenant. */
function hiddenNames(truth: unknown): Set<string> {
  const publicNames = new Set(['tenantId', 'plan', 'users', 'seats', 'mrr', 'modules', 'module'])
  const hidden = new Set<string>()
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(walk)
    else if (value !== null && typeof value === 'object')
      for (const [k, v] of Object.entries(value)) {
        if (!publicNames.has(k)) hidden.add(k)
        walk(v)
      }
  }
  walk((truth as { tenants: unknown }).tenants)
  return hidden
}

describe('when a backfill runs', () => {
  it('writes the ground truth and the run beside it, and none of the truth into events', async () => {
    const outDir = mkdtempSync(path.join(tmpdir(), 'tenantpulse-sim-'))
    onTestFinished(() => rmSync(outDir, { recursive: true, force: true }))
    const spec = testSpec({ seed: 'truth-test', tenants: 60, days: 21 })
    const stdout = capture()
    const stderr = capture()
    const result = await runBackfill(
      { spec, outDir, ch, limits },
      { stdout: stdout.out, stderr: stderr.out },
    )

    const truth = JSON.parse(readFileSync(path.join(outDir, 'ground-truth.json'), 'utf8'))
    expect(truth).toEqual(groundTruth(buildWorld(spec)))
    const run = JSON.parse(readFileSync(path.join(outDir, 'run.json'), 'utf8'))
    expect(run).toMatchObject({
      mode: 'backfill',
      spec: { seed: 'truth-test', scale: 'small', tenants: 60, days: 21, start: '2025-03-03' },
      result: { events: result.events, rejected: 0 },
    })
    expect(stdout.text()).toContain(`ground truth: ${path.join(outDir, 'ground-truth.json')}`)
    expect(stdout.text()).toMatch(/backfill: [\d,]+ events written .*\(0 rejected\)/)
    expect(stderr.text()).toMatch(/backfill {2}100\.0%/)

    // The traits are there to be found in the stored events, never named in them.
    const hidden = hiddenNames(truth)
    expect(hidden.has('intent') && hidden.has('decline') && hidden.has('signalled')).toBe(true)
    const rows = await queryRows<Record<string, string>>(
      ch,
      'SELECT event, path, properties, context, traits FROM {db:Identifier}.events',
    )
    expect(rows).toHaveLength(result.rows)
    const leaked = new Set<string>()
    const scan = (value: unknown): void => {
      if (Array.isArray(value)) value.forEach(scan)
      else if (value !== null && typeof value === 'object') {
        for (const [k, v] of Object.entries(value)) {
          if (hidden.has(k)) leaked.add(k)
          scan(v)
        }
      } else if (typeof value === 'string' && /intent|declin|churn|drift|noise|upsell/i.test(value))
        leaked.add(value)
    }
    for (const row of rows) {
      scan([row.event, row.path])
      for (const json of [row.properties, row.context, row.traits]) scan(JSON.parse(json!))
    }
    expect([...leaked]).toEqual([])
  })
})
