import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { dayNumber, type Example, type TimeSplit } from '../model/dataset.js'
import { type QualityReport, qualityReport } from '../model/report.js'
import { declineLevel } from '../sim/account.js'
import { buildWorld, type SimulationSpec } from '../sim/simulation-spec.js'

// What the simulated world allows any model that reads only the past: a score that
// knows each customer's hidden decline (how far its use has fallen by the day before
// the as-of day, from the simulator's own traits, never from events) is a perfect
// decline detector. It cannot know which declines will recover or which healthy
// customer will cancel out of the blue, and those stories bound what a model can
// reach. Judged on the same validation rows by the same report as the model.

/** The hidden decline depth (0 none .. 1 all use gone) of every example, or null without the run's spec. */
export function hiddenDeclineScores(
  simulationDir: string,
  examples: readonly Example[],
  modulesFile: string,
): number[] | null {
  const runFile = path.join(simulationDir, 'run.json')
  if (!existsSync(runFile)) return null
  const { spec } = JSON.parse(readFileSync(runFile, 'utf8')) as { spec: SimulationSpec }
  const world = buildWorld({ ...spec, modulesFile })
  const byId = new Map(world.tenants.map((t) => [t.id, t]))
  const start = dayNumber(spec.start)
  return examples.map((e) => {
    const decline = byId.get(e.raw.tenantId)?.hidden.decline ?? null
    const lastSeen = dayNumber(e.raw.asOf) - start - 1
    if (decline === null || decline.startDay > lastSeen) return 0
    return 1 - declineLevel(decline, lastSeen)
  })
}

/**
 * The highest account precision a score reaches at an account recall of `minRecall`
 * or more, over thresholds at its accounts' top scores (at most `steps` of them): what
 * its best operating point on this period could be, chosen with hindsight. Null when
 * no threshold reaches the recall.
 */
export function bestPrecisionAtRecall(
  input: {
    name: string
    kind: QualityReport['kind']
    examples: readonly Example[]
    scores: readonly number[]
    outcomes: ReadonlyMap<string, readonly number[]>
    split: TimeSplit
  },
  minRecall: number,
  steps = 60,
): QualityReport | null {
  const top = new Map<string, number>()
  input.examples.forEach((e, i) => {
    top.set(e.raw.tenantId, Math.max(top.get(e.raw.tenantId) ?? 0, input.scores[i]!))
  })
  const distinct = [...new Set(top.values())].filter((s) => s > 0).sort((a, b) => b - a)
  const every = Math.max(1, Math.floor(distinct.length / steps))
  const thresholds = distinct.filter((_, i) => i % every === 0 || i === distinct.length - 1)
  let best: QualityReport | null = null
  for (const threshold of thresholds) {
    const report = qualityReport({ ...input, threshold })
    if ((report.recall ?? 0) < minRecall) continue
    if (best === null || (report.precision ?? 0) > (best.precision ?? 0)) best = report
  }
  return best
}
