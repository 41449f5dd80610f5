import { addDays } from 'date-fns'
import { loadModuleCatalogue } from '../ingest/module-catalogue.js'
import { type ClickHouse, queryRows, runCommand } from '../platform/clickhouse.js'
import type { Config } from '../platform/config.js'
import { loadBuiltinRules } from '../rules/builtin.js'
import { compileRule } from '../rules/compile.js'
import { evaluateRule, utcDay } from '../rules/evaluate.js'
import {
  fmt,
  loadAverage,
  machine,
  median,
  openBenchCrm,
  openBenchWorld,
  parseWorldArgs,
  peakRss,
  settleMerges,
  type WorldPreset,
} from './bench-world.js'

// The full-scale world of sim/README.md: 10,000 tenants × 30 days, about 35 M events.
const preset: WorldPreset = { scale: 'full', tenants: 10_000, days: 30, start: '2025-03-03' }
const RUNS = 3
const GOAL_MS = 1500
const rawSuffix = '_from_events'

/**
 * Each rollup the rules read, rebuilt from `events` at query time: the same columns, key
 * and filter as its materialized view (sql/clickhouse/0003 to 0006). Every view reads
 * `events` itself, so the raw side pays for all the grouping the rollups did on insert.
 * The database name is written into the text, not bound: a {…} placeholder inside a
 * plain view's body would make it a parameterized view. It is a config value checked
 * against an identifier pattern (platform/config.ts).
 */
const rawViews = (db: string): Record<string, string> => ({
  usage_daily: `
    SELECT tenant_id, toDate(timestamp) AS day, module, kind,
        if(user_id != '', user_id, anonymous_id) AS user_id,
        groupUniqArray(xxHash32(message_id)) AS event_ids,
        min(timestamp) AS first_seen, max(timestamp) AS last_seen
    FROM \`${db}\`.events
    WHERE kind IN ('view', 'pricing', 'action', 'lifecycle')
    GROUP BY tenant_id, day, module, kind, user_id`,
  module_daily: `
    SELECT tenant_id, toDate(timestamp) AS day, module, kind,
        groupUniqArray(xxHash32(message_id)) AS event_ids
    FROM \`${db}\`.events
    WHERE kind IN ('view', 'pricing', 'action')
    GROUP BY tenant_id, day, module, kind`,
  daily_active_users: `
    SELECT DISTINCT tenant_id, toDate(timestamp) AS day,
        cityHash64(if(user_id != '', user_id, anonymous_id)) AS user_key
    FROM \`${db}\`.events
    WHERE kind IN ('view', 'pricing', 'action')`,
})

interface RuleTimes {
  id: string
  rollupMs: number[]
  rawMs: number[]
  firings: number
  rawFirings: number
}

/**
 * bench:rules — one full evaluation of every built-in rule as of the day after the
 * history, on the rollups (through evaluateRule, the jobs' path) and on the
 * same rows rebuilt from the raw events table, each RUNS times, in one process.
 */
export async function benchRules(args: string[], config: Config): Promise<number> {
  const options = parseWorldArgs(args, preset)
  console.log(`bench:rules on ${machine()}; at start: ${loadAverage()}`)
  const world = await openBenchWorld(options, preset, config)
  const { ch } = world
  try {
    // The rules pick their accounts by the CRM's lifecycle stages: the history's.
    await (await openBenchCrm(world)).close()
    const settled = await settleMerges(ch)
    const modules = loadModuleCatalogue(config.modulesFile).modules
    const rules = loadBuiltinRules(modules)
    const asOf = addDays(new Date(`${world.lastDay}T00:00:00Z`), 1)
    console.log(
      `\nworld: ${fmt(world.events)} events, ${world.firstDay} .. ${world.lastDay}; ` +
        `evaluated as of ${utcDay(asOf)} (merges settled after ${fmt(settled, 1)} s)`,
    )
    await printSizes(ch)
    for (const [table, body] of Object.entries(rawViews(ch.database)))
      await runCommand(
        ch,
        `CREATE OR REPLACE VIEW \`${ch.database}\`.${table}${rawSuffix} AS ${body}`,
      )

    const times: RuleTimes[] = rules.map((r) => ({
      id: r.id,
      rollupMs: [],
      rawMs: [],
      firings: 0,
      rawFirings: 0,
    }))
    for (let run = 0; run < RUNS; run++) {
      for (const [i, rule] of rules.entries()) {
        const started = performance.now()
        const firings = await evaluateRule(ch, rule, { asOf, modules })
        times[i]!.rollupMs.push(performance.now() - started)
        times[i]!.firings = firings.length
      }
      for (const [i, rule] of rules.entries()) {
        const query = compileRule(rule, modules)
        // Bench only: our own compiled SQL, pointed at the views by a text substitution
        // of the rollups' names, so both sides run exactly the same query shape.
        const sql = query.sql.replaceAll(
          /\{db:Identifier\}\.(usage_daily|module_daily|daily_active_users)\b/g,
          `{db:Identifier}.$1${rawSuffix}`,
        )
        const started = performance.now()
        const rows = await queryRows(ch, sql, { ...query.params, asOf: utcDay(asOf) })
        times[i]!.rawMs.push(performance.now() - started)
        times[i]!.rawFirings = rows.length
      }
      const total = (pick: (t: RuleTimes) => number[]) =>
        times.reduce((sum, t) => sum + pick(t)[run]!, 0)
      console.log(
        `run ${run + 1}: rollup ${fmt(total((t) => t.rollupMs))} ms, raw ${fmt(total((t) => t.rawMs))} ms`,
      )
    }
    printTable(times)
  } finally {
    for (const table of Object.keys(rawViews(ch.database)))
      await runCommand(ch, `DROP VIEW IF EXISTS \`${ch.database}\`.${table}${rawSuffix}`).catch(
        () => {},
      )
    console.log(`\n${peakRss()}; at end: ${loadAverage()}`)
    await world.close()
  }
  return 0
}

/** Rows and bytes on disk of the rollup beside the events it was built from. */
async function printSizes(ch: ClickHouse) {
  const tables = ['events', 'usage_daily', 'module_daily', 'daily_active_users']
  const rows = await queryRows<{ table: string; rows: string; bytes: string; parts: string }>(
    ch,
    `SELECT table, sum(rows) AS rows, sum(bytes_on_disk) AS bytes, count() AS parts
     FROM system.parts
     WHERE database = {db:String} AND active AND table IN {tables:Array(String)}
     GROUP BY table`,
    { db: ch.database, tables },
  )
  const events = Number(rows.find((r) => r.table === 'events')?.rows ?? 0)
  for (const name of tables) {
    const r = rows.find((row) => row.table === name)
    if (r === undefined) continue
    const perEvent = name === 'events' ? '' : `  ${fmt(Number(r.rows) / events, 3)} rows an event`
    console.log(
      `${name.padEnd(20)} ${fmt(Number(r.rows)).padStart(12)} rows  ${fmt(Number(r.bytes) / 2 ** 20).padStart(6)} MB on disk  ${r.parts.padStart(3)} parts${perEvent}`,
    )
  }
  console.log('')
}

function printTable(times: RuleTimes[]) {
  const stat = (ms: number[]) => `${fmt(Math.min(...ms))} / ${fmt(median(ms))}`
  const header = `${'rule'.padEnd(26)} ${'rollup ms min / med'.padStart(20)} ${'raw ms min / med'.padStart(20)} ${'ratio'.padStart(7)} ${'firings'.padStart(8)}`
  console.log(`\n${header}\n${'-'.repeat(header.length)}`)
  for (const t of times) {
    const firings =
      t.rawFirings === t.firings ? fmt(t.firings) : `${fmt(t.firings)} (raw ${fmt(t.rawFirings)})`
    console.log(
      `${t.id.padEnd(26)} ${stat(t.rollupMs).padStart(20)} ${stat(t.rawMs).padStart(20)} ${fmt(median(t.rawMs) / median(t.rollupMs), 1).padStart(6)}× ${firings.padStart(8)}`,
    )
  }
  const totals = (pick: (t: RuleTimes) => number[]) =>
    Array.from({ length: RUNS }, (_, run) => times.reduce((sum, t) => sum + pick(t)[run]!, 0))
  const rollup = totals((t) => t.rollupMs)
  const raw = totals((t) => t.rawMs)
  const firings = times.reduce((sum, t) => sum + t.firings, 0)
  console.log(
    `${'all rules'.padEnd(26)} ${stat(rollup).padStart(20)} ${stat(raw).padStart(20)} ${fmt(median(raw) / median(rollup), 1).padStart(6)}× ${fmt(firings).padStart(8)}`,
  )
  const verdict = median(rollup) < GOAL_MS ? 'met' : 'NOT met'
  console.log(
    `\nfull sweep of ${times.length} rules on the rollup: min ${fmt(Math.min(...rollup))} ms, median ${fmt(median(rollup))} ms over ${RUNS} runs; goal < ${fmt(GOAL_MS)} ms: ${verdict}`,
  )
}
