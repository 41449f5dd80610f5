import { randomBytes } from 'node:crypto'
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import { startJobs } from '../cli/runtime.js'
import { addUser } from '../crm/test-fixtures.js'
import type { ClickHouse } from '../platform/clickhouse.js'
import type { Db } from '../platform/postgres.js'
import { dayDate, storyEvents, storyExpectations } from '../rules/test-stories.js'
import { basicAuth, buildTestApp } from '../test/app.js'
import { eventually, useTestClickHouse } from '../test/clickhouse.js'
import { finished } from '../test/jobs.js'
import { useTestPostgres } from '../test/postgres.js'

let ch: ClickHouse
let db: Db
beforeAll(async () => {
  ch = await useTestClickHouse()
  db = await useTestPostgres()
  await addUser(db, 'casey', 'csm')
})

const counts = async () => ({
  leads: (
    await db.query<{ tenant_id: string; intent_tags: string[] }>(
      "SELECT tenant_id, intent_tags FROM leads WHERE status = 'open' ORDER BY tenant_id",
    )
  ).rows,
  alerts: (
    await db.query<{ tenant_id: string; rule_id: string }>(
      'SELECT tenant_id, rule_id FROM alerts ORDER BY tenant_id, rule_id',
    )
  ).rows,
  signals: Number(
    (await db.query<{ n: string }>('SELECT count(*) AS n FROM intent_signals')).rows[0]!.n,
  ),
  outbox: Number(
    (await db.query<{ n: string }>('SELECT count(*) AS n FROM webhook_outbox')).rows[0]!.n,
  ),
})

describe('when the rules are evaluated over a small world sent through the tracking API', () => {
  it('opens the leads and alerts the built-in rules call for, and a rerun creates nothing new', async () => {
    const { app, runtime } = await buildTestApp(
      { ch, db },
      { QUEUE_PREFIX: `test-${randomBytes(6).toString('hex')}`, CRM_SYNC_EVERY_MS: '200' },
    )
    // No schedulers: today's scheduled runs would evaluate a world that lives in 2025.
    const jobs = await startJobs(runtime, { schedule: false })
    onTestFinished(async () => {
      for (const q of Object.values(jobs.workers.queues)) await q.obliterate({ force: true })
      await jobs.close()
    })
    await db.query(
      "INSERT INTO webhook_subscriptions (url, secret) VALUES ('https://hooks.invalid/x', 'whsec_dGVzdA==')",
    )
    const events = storyEvents()
    for (let i = 0; i < events.length; i += 500) {
      const res = await app.inject({
        method: 'POST',
        url: '/v1/batch',
        headers: { authorization: basicAuth() },
        payload: { batch: events.slice(i, i + 500) },
      })
      expect(res.json()).toEqual({ success: true })
    }
    const tenants = Object.keys(storyExpectations)
    await finished(
      jobs.workers.queues['crm-sync'],
      await jobs.workers.queues['crm-sync'].add('crm-sync', { trigger: 'manual' }),
    )
    await eventually(
      async () =>
        Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM accounts')).rows[0]!.n),
      (n) => n === tenants.length,
      15_000,
    )

    const asOf = dayDate(28).toISOString().slice(0, 10)
    const evaluate = async () => {
      for (const kind of ['abm', 'churn'] as const) {
        const job = await jobs.workers.queues.evaluate.add('evaluate', {
          kind,
          asOf,
          trigger: 'manual',
        })
        await finished(jobs.workers.queues.evaluate, job)
      }
      // The apply jobs the evaluations queued.
      await eventually(
        async () => jobs.workers.queues.apply.getJobCounts('waiting', 'active', 'delayed'),
        (c) => (c.waiting ?? 0) + (c.active ?? 0) + (c.delayed ?? 0) === 0,
        20_000,
      )
      return counts()
    }

    const first = await evaluate()
    const expected = Object.entries(storyExpectations).filter(([, rule]) => rule !== null)
    expect(first.leads.map((l) => l.tenant_id)).toEqual(
      expected
        .filter(([t]) => t.startsWith('free-'))
        .map(([t]) => t)
        .sort(),
    )
    expect(first.leads.find((l) => l.tenant_id === 'free-interest')!.intent_tags).toEqual([
      'module:analytics',
    ])
    expect(first.alerts).toEqual(
      expected
        .filter(([t]) => t.startsWith('cust-'))
        .map(([tenant_id, rule_id]) => ({ tenant_id, rule_id }))
        .sort((a, b) => a.tenant_id.localeCompare(b.tenant_id)),
    )
    expect(first.outbox).toBe(first.leads.length + first.alerts.length)

    expect(await evaluate()).toEqual(first)
  }, 90_000)
})
