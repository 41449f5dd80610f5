import path from 'node:path'
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import { redisReadiness, startJobs } from '../../cli/runtime.js'
import { evaluateNow } from '../../jobs/queues.js'
import type { ClickHouse } from '../../platform/clickhouse.js'
import type { Db } from '../../platform/postgres.js'
import { dayDate, storyEvents, storyExpectations } from '../../rules/test-stories.js'
import { basicAuth, buildTestApp } from '../app.js'
import { eventually, useTestClickHouse } from '../clickhouse.js'
import { useTestPostgres } from '../postgres.js'
import { buildOtherCompanyWorld, type OtherCompanyWorld } from './world.js'

// The mission on a company that is not the simulator: Ledgerly's own modules, plans
// (Community, free with a 10-seat cap; Team, Pro, Premium) and event names, its
// telemetry shaped as analytics.js sends it, through the real tracking API, crm-sync
// and the real queues, with the built-in rules as they ship. A second deployment with
// stores of its own runs its workers on the same Redis, under the default namespace.

const admin = 'tpk_test_admin_key_seeded'
const bearer = { authorization: `Bearer ${admin}` }

interface Deployment {
  ch: ClickHouse
  db: Db
}
let ledgerly: Deployment
let neighbour: Deployment
let world: OtherCompanyWorld
beforeAll(async () => {
  ledgerly = { ch: await useTestClickHouse(), db: await useTestPostgres() }
  neighbour = { ch: await useTestClickHouse(), db: await useTestPostgres() }
  world = buildOtherCompanyWorld({ today: new Date() })
})

async function start(deployment: Deployment, env: Record<string, string>, schedule: boolean) {
  const { app, runtime } = await buildTestApp(deployment, env)
  const jobs = await startJobs(runtime, { schedule })
  onTestFinished(async () => {
    for (const q of Object.values(jobs.workers.queues)) await q.obliterate({ force: true })
    await jobs.close()
  })
  runtime.enqueueEvaluate = evaluateNow(jobs.workers.queues.evaluate, runtime.db)
  runtime.redisCheck = () => redisReadiness(jobs.redis.redis)
  return { app, runtime, jobs }
}

const score = (found: readonly string[], truth: readonly string[]) => {
  const hits = found.filter((t) => truth.includes(t)).length
  return {
    precision: found.length === 0 ? 0 : hits / found.length,
    recall: truth.length === 0 ? 0 : hits / truth.length,
  }
}

describe('when another company, not the simulator, streams its telemetry', () => {
  it('gets the leads and churn alerts its data calls for, nothing skipped, beside a second deployment', async () => {
    // The neighbour: another deployment on the same Redis and the same QUEUE_PREFIX
    // (the default), its schedulers and workers running throughout.
    const other = await start(neighbour, {}, true)
    const a = await start(
      ledgerly,
      {
        MODULES_FILE: path.join(import.meta.dirname, 'modules.json'),
        FREE_PLANS: world.freePlans.join(','),
      },
      false,
    )
    const readyA = (await a.app.inject({ method: 'GET', url: '/readyz' })).json()
    const readyB = (await other.app.inject({ method: 'GET', url: '/readyz' })).json()
    expect(readyA.deployment.queuePrefix).toMatch(/^\{tenantpulse:[a-z0-9]+\}$/)
    expect(readyA.deployment.queuePrefix).not.toBe(readyB.deployment.queuePrefix)

    // The neighbour has a world of its own (the story tenants, in March 2025).
    const stories = storyEvents()
    for (let i = 0; i < stories.length; i += 500) {
      const res = await other.app.inject({
        method: 'POST',
        url: '/v1/batch',
        headers: { authorization: basicAuth() },
        payload: { batch: stories.slice(i, i + 500) },
      })
      expect(res.json()).toEqual({ success: true })
    }

    const address = await a.app.listen({ host: '127.0.0.1', port: 0 })
    for (let i = 0; i < world.events.length; i += 500) {
      const res = await fetch(`${address}/v1/batch`, {
        method: 'POST',
        headers: { authorization: basicAuth(), 'content-type': 'application/json' },
        body: JSON.stringify({ batch: world.events.slice(i, i + 500) }),
      })
      expect(await res.json()).toEqual({ success: true })
    }

    // Right after the events: no crm-sync has run, no schedule is waited for. Both
    // deployments evaluate at once, each its own world.
    const [records, neighbourRecords] = await Promise.all([
      evaluate(a.app, {}),
      evaluate(other.app, { asOf: dayDate(28).toISOString().slice(0, 10) }),
    ])
    for (const record of records) {
      expect(record.status).toBe('done')
      expect(record.counts.skipped).toEqual({})
      expect(record.counts.pending).toBe(0)
      expect(record.rules).toBeGreaterThan(0)
    }
    const [abm, churn] = records as [EvaluationRecord, EvaluationRecord]
    expect(abm.counts.leadsOpened).toBeGreaterThan(0)
    expect(churn.counts.alertsOpened).toBeGreaterThan(0)

    const leads = await listAll(a.app, '/api/leads?status=open')
    const alerts = await listAll(a.app, '/api/alerts')
    const leadTenants = [...new Set(leads.map((l) => l.tenantId as string))]
    const alertTenants = [...new Set(alerts.map((l) => l.tenantId as string))]
    const leadScore = score(leadTenants, world.truth.intent)
    const alertScore = score(alertTenants, world.truth.churning)
    console.log(
      `other company: ${world.events.length} events, ${world.tenants.length} tenants; ` +
        `leads ${leadTenants.length} (precision ${leadScore.precision.toFixed(2)}, recall ${leadScore.recall.toFixed(2)}), ` +
        `alerted ${alertTenants.length} (precision ${alertScore.precision.toFixed(2)}, recall ${alertScore.recall.toFixed(2)})`,
    )
    expect(leadScore.precision).toBeGreaterThanOrEqual(0.7)
    expect(leadScore.recall).toBeGreaterThanOrEqual(0.7)
    expect(alertScore.precision).toBeGreaterThanOrEqual(0.7)
    expect(alertScore.recall).toBeGreaterThanOrEqual(0.7)

    // Each kept its own: no job of one ran on the other's stores.
    for (const record of neighbourRecords) {
      expect(record.status).toBe('done')
      // Its own scheduled runs may have opened an alert first (alert_open); an
      // account it does not know would mean another deployment's firing.
      expect(record.counts.skipped.unknown_account).toBeUndefined()
    }
    const neighbourLeads = await listAll(other.app, '/api/leads?status=open')
    expect(neighbourLeads.map((l) => l.tenantId).sort()).toEqual(
      Object.entries(storyExpectations)
        .filter(([tenant, rule]) => rule !== null && tenant.startsWith('free-'))
        .map(([tenant]) => tenant)
        .sort(),
    )
    const ledgerlyIds = new Set(world.tenants.map((t) => t.id))
    expect(leadTenants.every((t) => ledgerlyIds.has(t))).toBe(true)
    const { rows } = await neighbour.db.query<{ tenant_id: string }>(
      'SELECT tenant_id FROM accounts',
    )
    expect(rows.filter((r) => ledgerlyIds.has(r.tenant_id))).toEqual([])
  }, 240_000)
})

interface EvaluationRecord {
  status: string
  rules: number
  counts: {
    skipped: Record<string, number>
    pending: number
    leadsOpened: number
    alertsOpened: number
  }
}

/** Queues an evaluation of both kinds and waits for both records to finish. */
async function evaluate(
  app: Awaited<ReturnType<typeof start>>['app'],
  payload: { asOf?: string },
): Promise<EvaluationRecord[]> {
  const queued = await app.inject({
    method: 'POST',
    url: '/api/jobs/evaluate',
    headers: bearer,
    payload,
  })
  expect(queued.statusCode).toBe(202)
  const records: EvaluationRecord[] = []
  for (const { evaluationId } of queued.json().queued as Array<{ evaluationId: string }>) {
    records.push(
      await eventually(
        async () =>
          (
            await app.inject({
              method: 'GET',
              url: `/api/jobs/evaluations/${evaluationId}`,
              headers: bearer,
            })
          ).json() as EvaluationRecord,
        (r) => r.status === 'done' || r.status === 'failed',
        60_000,
      ),
    )
  }
  return records
}

async function listAll(
  app: Awaited<ReturnType<typeof start>>['app'],
  url: string,
): Promise<Array<Record<string, unknown>>> {
  const items: Array<Record<string, unknown>> = []
  let cursor: string | null = null
  do {
    const sep = url.includes('?') ? '&' : '?'
    const res = await app.inject({
      method: 'GET',
      url: cursor ? `${url}${sep}cursor=${encodeURIComponent(cursor)}` : url,
      headers: bearer,
    })
    expect(res.statusCode).toBe(200)
    const page = res.json() as { items: Array<Record<string, unknown>>; nextCursor: string | null }
    items.push(...page.items)
    cursor = page.nextCursor
  } while (cursor)
  return items
}
