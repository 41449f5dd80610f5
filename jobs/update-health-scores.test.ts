import { beforeAll, describe, expect, it } from 'vitest'
import { applyLifecycleEvents } from '../crm/apply-lifecycle-event.js'
import { commitBatches, pendingBatch } from '../ingest/commit-batch.js'
import { toClickHouseTime } from '../ingest/event-row.js'
import type { ClickHouse } from '../platform/clickhouse.js'
import type { Db } from '../platform/postgres.js'
import { foldCommitted, queryRows, useTestClickHouse } from '../test/clickhouse.js'
import { useTestPostgres } from '../test/postgres.js'
import { updateHealthScores } from './update-health-scores.js'

let ch: ClickHouse
let db: Db
beforeAll(async () => {
  ch = await useTestClickHouse()
  db = await useTestPostgres()
})

const asOf = new Date('2026-11-20T00:00:00Z')
const day = (n: number) => asOf.getTime() - n * 86_400_000 + 3_600_000

/** Daily use by `users(d)` users of two modules, d days before asOf, for 56 days. */
function usage(tenant: string, users: (daysAgo: number) => number) {
  const rows = []
  for (let d = 1; d <= 56; d++) {
    for (let u = 0; u < users(d); u++) {
      rows.push({
        tenant_id: tenant,
        timestamp: toClickHouseTime(day(d)),
        received_at: toClickHouseTime(day(d)),
        message_id: `${tenant}-${d}-${u}`,
        type: 'track',
        event: 'Used',
        kind: 'action' as const,
        module: u % 2 ? 'tasks' : 'analytics',
        user_id: `u${u}`,
        anonymous_id: '',
        path: '',
        properties: {},
        context: {},
        traits: {},
        write_key_id: 'test',
      })
    }
  }
  return rows
}

async function customer(tenant: string) {
  await applyLifecycleEvents(db, [
    {
      tenantId: tenant,
      messageId: `${tenant}-g`,
      timestamp: '2026-09-01T00:00:00Z',
      type: 'group',
      traits: { plan: 'free', seats: 10 },
    },
    {
      tenantId: tenant,
      messageId: `${tenant}-o`,
      timestamp: '2026-09-02T00:00:00Z',
      type: 'track',
      event: 'Order Completed',
      properties: { orderId: `${tenant}-1`, revenue: 10 },
    },
  ])
}

describe('when health scores are computed for customers', () => {
  it('gives a steady customer a high score and a declining one a low score, with components', async () => {
    await customer('steady')
    await customer('fading')
    await commitBatches(ch, [
      pendingBatch(
        [...usage('steady', () => 9), ...usage('fading', (d) => (d > 28 ? 10 : d > 10 ? 3 : 0))],
        [],
      ),
    ])
    await foldCommitted(ch)
    expect(await updateHealthScores({ ch, db }, { asOf, modulesAvailable: 10 })).toEqual({
      scored: 2,
    })
    const rows = (
      await db.query<{
        tenant_id: string
        health_score: number
        health_components: Record<string, number>
      }>('SELECT tenant_id, health_score, health_components FROM accounts ORDER BY tenant_id')
    ).rows
    const steady = rows.find((r) => r.tenant_id === 'steady')!
    const fading = rows.find((r) => r.tenant_id === 'fading')!
    expect(steady.health_components).toEqual({
      usageTrend: 1,
      moduleBreadth: 0.4,
      seatUtilisation: 1,
      recency: 1,
      openAlerts: 1,
    })
    expect(steady.health_score).toBe(91)
    // Last active 11 days before asOf: ten whole days without activity.
    expect(fading.health_components).toMatchObject({ usageTrend: 0, recency: 0.29 })
    expect(fading.health_score).toBeLessThan(50)

    // The same scores, as of the day, where the rules' health_score metric reads them.
    const stored = await queryRows<{ tenant_id: string; day: string; score: number }>(
      ch,
      'SELECT tenant_id, toString(day) AS day, score FROM {db:Identifier}.health_scores ORDER BY tenant_id',
    )
    expect(stored).toEqual([
      { tenant_id: 'fading', day: asOf.toISOString().slice(0, 10), score: fading.health_score },
      { tenant_id: 'steady', day: asOf.toISOString().slice(0, 10), score: 91 },
    ])
  })
})
