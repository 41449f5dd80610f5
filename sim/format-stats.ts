import type { Spread } from './churn-stats.js'
import { groundTruth } from './ground-truth.js'
import { formatCount } from './progress.js'
import type { WorldStats } from './stats.js'
import type { World } from './world-types.js'

// `simulate --stats` as text: the figures sim/README.md documents, in its order.

const pct = (x: number) => `${(x * 100).toFixed(1)}%`

function range(values: number[]): string {
  if (values.length === 0) return '–'
  return `${formatCount(Math.min(...values))}–${formatCount(Math.max(...values))}`
}

function spread(s: Spread | null): string {
  return s === null ? '–' : [s.min, s.p25, s.median, s.p75, s.max].join(' / ')
}

export function formatStats(world: World, stats: WorldStats): string {
  const inDip = (d: number) =>
    world.seasonalDips.some((dip) => d >= dip.startDay && d < dip.startDay + dip.days)
  const working = stats.eventsPerDay.filter((_, d) => world.dayFactor[d] === 1 && !inDip(d))
  const dipWorking = stats.eventsPerDay.filter((_, d) => world.dayFactor[d] === 1 && inDip(d))
  const quiet = stats.eventsPerDay.filter((_, d) => world.dayFactor[d] !== 1)
  const dips = world.seasonalDips
    .map((dip) => `days ${dip.startDay}–${dip.startDay + dip.days - 1} (× ${dip.depth.toFixed(2)})`)
    .join(', ')
  const t = groundTruth(world).summary
  const free = world.tenants.filter((x) => x.plan === 'free').length
  const paying = world.tenants.length - free
  const c = stats.churn
  const rows: Array<[string, string]> = [
    ['tenants', `${formatCount(stats.tenants)} (${pct(stats.freeShare)} free)`],
    ['users', `${formatCount(stats.users)} (${(stats.users / stats.tenants).toFixed(1)} a tenant)`],
    [
      `events (${stats.days} days)`,
      `${formatCount(stats.events)} (track ${formatCount(stats.eventsByType.track)}, page ${formatCount(stats.eventsByType.page)}, identify ${formatCount(stats.eventsByType.identify)}, group ${formatCount(stats.eventsByType.group)})`,
    ],
    ['events per working day / weekend or holiday', `${range(working)} / ${range(quiet)}`],
    ['seasonal dips (most tenants use the product less)', dips === '' ? 'none' : dips],
    ['events per working day in a seasonal dip', range(dipWorking)],
    ['events per user and day', stats.eventsPerUserDay.toFixed(3)],
    [
      'mean daily active users',
      `${formatCount(stats.meanDailyActiveUsers)} (${pct(stats.meanDailyActiveUsers / stats.users)} of users)`,
    ],
    [
      'events per tenant p50 / p90 / p99 / max',
      [stats.perTenant.p50, stats.perTenant.p90, stats.perTenant.p99, stats.perTenant.max]
        .map(formatCount)
        .join(' / '),
    ],
    [
      'traits',
      `${t.intent} intent (${t.intentConverts} converting), ${t.noise} noise, ${t.declining} declining, ${t.churnsInRun} churns in the run, ${t.upsellsInRun} upsells`,
    ],
    [
      'conversion base rate (free tenants with an order in the run)',
      `${pct(stats.conversionBaseRate)} (${formatCount(stats.conversionBaseRate * free)} of ${formatCount(free)})`,
    ],
    [
      'churn base rate (customers cancelling in the run)',
      `${pct(stats.churnBaseRate)} (${formatCount(stats.churnBaseRate * paying)} of ${formatCount(paying)})`,
    ],
    [
      'churners with no decline before the cancellation',
      `${formatCount(c.withoutDecline)} of ${formatCount(c.churners)} (${pct(c.withoutDecline / Math.max(1, c.churners))})`,
    ],
    [
      'churners with under 21 days of warning, or none',
      `${formatCount(c.churners - c.warnedThreeWeeks)} of ${formatCount(c.churners)} (${pct((c.churners - c.warnedThreeWeeks) / Math.max(1, c.churners))})`,
    ],
    [
      'days from a decline to its cancellation min / p25 / median / p75 / max',
      `${spread(c.declineToCancel)} (${formatCount(c.warnedThreeWeeks)} of ${formatCount(c.churners - c.withoutDecline)} at 21+)`,
    ],
    [
      'decliners: cancel / recover / partly / neither, in the run',
      `${formatCount(c.decliners.total)}: ${[c.decliners.cancel, c.decliners.recover, c.decliners.recoverPartly, c.decliners.neither].map(formatCount).join(' / ')} (${formatCount(c.decliners.cancelLater)} cancel after it)`,
    ],
    [
      'decliners slow / fast / abrupt; users leave / visits fade',
      `${[c.speeds.slow, c.speeds.fast, c.speeds.abrupt].map(formatCount).join(' / ')}; ${formatCount(c.kinds.users_leave)} / ${formatCount(c.kinds.visits_fade)}`,
    ],
    ['days from a decline to its key module going quiet, same', spread(c.keyModuleQuiet)],
    [
      'user-days halved week on week (from 20+): churners / decliners / quiet',
      `${pct(c.halvedWeek.churners)} / ${pct(c.halvedWeek.decliners)} / ${pct(c.halvedWeek.quiet)} of customers`,
    ],
    [
      'days from a first halving (10 weeks back) to its cancellation, same',
      spread(c.halvingToCancel),
    ],
    [
      'orders / renewals / cancellations',
      `${formatCount(stats.orders)} / ${formatCount(stats.renewals)} / ${formatCount(stats.cancellations)}`,
    ],
    [
      'generation seconds / events per second',
      `${stats.generationSeconds} / ${formatCount(stats.eventsPerSecond)}`,
    ],
  ]
  const width = Math.max(...rows.map(([k]) => k.length))
  const perDay = stats.eventsPerDay
    .map((n, d) => `${world.datePrefix[d]!.slice(0, 10)} ${formatCount(n).padStart(11)}`)
    .join('\n  ')
  return `${rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n')}\n\nevents per day:\n  ${perDay}\n`
}
