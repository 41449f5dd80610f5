import { addDays } from 'date-fns'
import { loadModuleCatalogue } from '../ingest/module-catalogue.js'
import type { Config } from '../platform/config.js'
import { type BacktestReport, backtestRule } from '../rules/backtest.js'
import { loadBuiltinRules } from '../rules/builtin.js'
import { utcDay } from '../rules/evaluate.js'
import {
  fmt,
  loadAverage,
  machine,
  openBenchCrm,
  openBenchWorld,
  parseWorldArgs,
  peakRss,
  settleMerges,
  type WorldPreset,
} from './bench-world.js'

// 180 days of 10,000 tenants. The full preset's 240 users a tenant would make about
// 200 M events, hours of backfill on two cores; the small preset's 20 users a tenant
// (the simulator's only other user count) keeps the tenants, days and stories and
// makes about a tenth of the events a day.
const preset: WorldPreset = { scale: 'small', tenants: 10_000, days: 180, start: '2025-01-06' }
const HORIZON_DAYS = 30
const GOAL_SECONDS = 3

/**
 * bench:backtest — every built-in rule backtested as of each day of the history (the
 * day after each simulated day), against the outcomes that the CRM sync recorded from
 * the same history in an embedded Postgres (PGlite).
 */
export async function benchBacktest(args: string[], config: Config): Promise<number> {
  const options = parseWorldArgs(args, preset)
  console.log(`bench:backtest on ${machine()}; at start: ${loadAverage()}`)
  const world = await openBenchWorld(options, preset, config)
  const { ch } = world
  try {
    const db = await openBenchCrm(world)
    try {
      const settled = await settleMerges(ch)

      const modules = loadModuleCatalogue(config.modulesFile).modules
      const rules = loadBuiltinRules(modules)
      const from = addDays(new Date(`${world.firstDay}T00:00:00Z`), 1)
      const to = addDays(new Date(`${world.lastDay}T00:00:00Z`), 1)
      const asOfDays = Math.round((to.getTime() - from.getTime()) / 86_400_000) + 1
      console.log(
        `\nworld: ${fmt(world.events)} events, ${world.firstDay} .. ${world.lastDay}; ` +
          `as of every day ${utcDay(from)} .. ${utcDay(to)} (${asOfDays} days), horizon ${HORIZON_DAYS} days ` +
          `(merges settled after ${fmt(settled, 1)} s)\n`,
      )
      const header = `${'rule'.padEnd(26)} ${'kind'.padEnd(5)} ${'seconds'.padStart(7)} ${'population'.padStart(10)} ${'fired'.padStart(6)} ${'firings/wk'.padStart(10)} ${'TP'.padStart(4)} ${'FN'.padStart(4)} ${'precision'.padStart(9)} ${'recall'.padStart(6)} ${'base'.padStart(6)} ${'lift'.padStart(6)} ${'lead d'.padStart(6)}`
      console.log(`${header}\n${'-'.repeat(header.length)}`)
      const seconds: number[] = []
      for (const rule of rules) {
        const started = performance.now()
        const report = await backtestRule({ ch, db }, rule, {
          from,
          to,
          horizonDays: HORIZON_DAYS,
          modules,
        })
        seconds.push((performance.now() - started) / 1000)
        console.log(row(rule.id, report, seconds.at(-1)!))
      }
      const total = seconds.reduce((a, b) => a + b, 0)
      const slowest = Math.max(...seconds)
      console.log(
        `\nall ${rules.length} backtests: ${fmt(total, 2)} s in all, slowest ${fmt(slowest, 2)} s; ` +
          `goal < ${GOAL_SECONDS} s a backtest: ${slowest < GOAL_SECONDS ? 'met' : 'NOT met'}`,
      )
    } finally {
      await db.close()
    }
  } finally {
    console.log(`\n${peakRss()}; at end: ${loadAverage()}`)
    await world.close()
  }
  return 0
}

function row(id: string, r: BacktestReport & { kind: string }, seconds: number): string {
  const ratio = (x: number | null, digits = 3) => (x === null ? '–' : fmt(x, digits))
  return [
    id.padEnd(26),
    r.kind.padEnd(5),
    fmt(seconds, 2).padStart(7),
    fmt(r.population).padStart(10),
    fmt(r.firedAccounts).padStart(6),
    fmt(r.firingsPerWeek, 1).padStart(10),
    fmt(r.confusion.truePositives).padStart(4),
    fmt(r.confusion.falseNegatives).padStart(4),
    ratio(r.precision).padStart(9),
    ratio(r.recall).padStart(6),
    ratio(r.baseRate).padStart(6),
    ratio(r.lift, 1).padStart(6),
    ratio(r.medianLeadTimeDays, 0).padStart(6),
  ].join(' ')
}
