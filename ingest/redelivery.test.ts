import { beforeAll, describe, expect, it } from 'vitest'
import { runRollups } from '../jobs/fold-rollups.js'
import { type ClickHouse, runCommand } from '../platform/clickhouse.js'
import type { Db } from '../platform/postgres.js'
import { basicAuth, buildTestApp } from '../test/app.js'
import { queryRows, useTestClickHouse } from '../test/clickhouse.js'
import { useTestPostgres } from '../test/postgres.js'

let ch: ClickHouse
let db: Db
beforeAll(async () => {
  ch = await useTestClickHouse()
  db = await useTestPostgres()
})

// Every figure a rule can read, per tenant: the rollup merged as a reader merges it,
// the traits tables, and the raw table read as rules read it.
async function figures() {
  const rollup = await queryRows(
    ch,
    `
    SELECT tenant_id, day, module, kind, user_id, uniqExactArray(event_ids) AS events, min(first_seen) AS first_seen, max(last_seen) AS last_seen
    FROM {db:Identifier}.usage_daily GROUP BY tenant_id, day, module, kind, user_id
    ORDER BY tenant_id, day, module, kind, user_id`,
  )
  const perTenant = await queryRows(
    ch,
    `
    SELECT tenant_id, uniqExactArray(event_ids) AS events, uniqExact(user_id) AS users, uniqExact(day) AS days
    FROM {db:Identifier}.usage_daily GROUP BY tenant_id ORDER BY tenant_id`,
  )
  // The rollups the rules read besides usage_daily, as the rules fold them.
  const modules = await queryRows(
    ch,
    `
    SELECT tenant_id, module, kind, uniqExactArray(event_ids) AS events, uniqExact(day) AS days
    FROM {db:Identifier}.module_daily GROUP BY tenant_id, module, kind
    ORDER BY tenant_id, module, kind`,
  )
  const activeUsers = await queryRows(
    ch,
    `
    SELECT tenant_id, uniqExact(user_key) AS users, uniqExact(user_key, day) AS user_days
    FROM {db:Identifier}.daily_active_users GROUP BY tenant_id ORDER BY tenant_id`,
  )
  const traits = await queryRows(
    ch,
    'SELECT tenant_id, name, plan, seats, mrr FROM {db:Identifier}.tenant_traits FINAL ORDER BY tenant_id',
  )
  const groups = await queryRows(
    ch,
    'SELECT user_id, tenant_id FROM {db:Identifier}.user_groups FINAL ORDER BY user_id',
  )
  const raw = await queryRows(
    ch,
    'SELECT tenant_id, count() AS n FROM {db:Identifier}.events FINAL GROUP BY tenant_id ORDER BY tenant_id',
  )
  return { rollup, perTenant, modules, activeUsers, traits, groups, raw }
}

function batch() {
  const events: unknown[] = [
    {
      type: 'group',
      userId: 'ann',
      groupId: 'acme',
      messageId: 'g1',
      timestamp: '2026-11-02T08:00:00Z',
      traits: { name: 'Acme', plan: 'free', seats: 10 },
    },
  ]
  for (let i = 0; i < 60; i++) {
    const day = 2 + (i % 3)
    events.push({
      type: i % 2 ? 'page' : 'track',
      userId: ['ann', 'bob', 'cy'][i % 3],
      messageId: `e${i}`,
      timestamp: `2026-11-0${day}T${String(9 + (i % 8)).padStart(2, '0')}:00:00Z`,
      context: { groupId: i % 4 === 0 ? 'globex' : 'acme' },
      ...(i % 2
        ? { properties: { path: i % 5 ? '/reports/x' : '/pricing/analytics' } }
        : { event: 'Workflow Run', properties: { module: 'automation' } }),
    })
  }
  return { batch: events, sentAt: new Date().toISOString() }
}

describe('when the same batch is delivered twice', () => {
  it('changes no rollup figure, trait or per-tenant count', async () => {
    const { app } = await buildTestApp({ ch, db })
    const send = () =>
      app.inject({
        method: 'POST',
        url: '/v1/batch',
        headers: { authorization: basicAuth() },
        payload: batch(),
      })
    expect((await send()).statusCode).toBe(200)
    // The rollups job folds what was committed, after the acknowledgement.
    const fold = () => runRollups({ ch, db }, { maxRows: 100_000 })
    await fold()
    const once = await figures()
    expect(once.perTenant).toEqual([
      { tenant_id: 'acme', events: '45', users: '3', days: '3' },
      { tenant_id: 'globex', events: '15', users: '3', days: '3' },
    ])
    const moduleEvents = once.modules.map((r) => Number((r as { events: string }).events))
    expect(moduleEvents.reduce((a, b) => a + b, 0)).toBe(60)
    expect(once.activeUsers).toMatchObject([
      { tenant_id: 'acme', users: '3' },
      { tenant_id: 'globex', users: '3' },
    ])
    expect(once.traits).toEqual([
      { tenant_id: 'acme', name: 'Acme', plan: 'free', seats: 10, mrr: null },
    ])

    expect((await send()).statusCode).toBe(200)
    expect((await send()).statusCode).toBe(200)
    const rawCopies = await queryRows<{ n: string }>(
      ch,
      'SELECT count() AS n FROM {db:Identifier}.events',
    )
    // The copies are really there before any merge: the figures hold despite them.
    expect(Number(rawCopies[0]!.n)).toBeGreaterThan(61)
    expect((await fold()).rows).toBeGreaterThan(0)
    expect(await figures()).toEqual(once)
    // Folded again from the start, as after a lost position: still the same figures.
    await db.query('DELETE FROM rollup_position')
    await runCommand(
      ch,
      "ALTER TABLE {db:Identifier}.rollup_start DELETE WHERE kind = 'views' SETTINGS mutations_sync = 1",
    )
    await fold()
    expect(await figures()).toEqual(once)
  })
})
