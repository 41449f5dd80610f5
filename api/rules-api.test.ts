import { randomBytes } from 'node:crypto'
import http from 'node:http'
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import { startJobs } from '../cli/runtime.js'
import { applyLifecycleEvents } from '../crm/apply-lifecycle-event.js'
import { evaluateNow } from '../jobs/queues.js'
import type { ClickHouse } from '../platform/clickhouse.js'
import type { Db } from '../platform/postgres.js'
import { createTestIngest } from '../rules/test-ingest.js'
import { dayDate, storyEvents } from '../rules/test-stories.js'
import { buildTestApp } from '../test/app.js'
import { eventually, useTestClickHouse } from '../test/clickhouse.js'
import { useTestPostgres } from '../test/postgres.js'
import { type KeyRole, keyRoles, seedApiKey } from './api-keys.js'

let ch: ClickHouse
let db: Db
const keys = {} as Record<KeyRole, string>
beforeAll(async () => {
  ch = await useTestClickHouse()
  db = await useTestPostgres()
  for (const role of keyRoles) {
    keys[role] = `tpk_rules_${role}_${randomBytes(6).toString('hex')}`
    await seedApiKey(db, { key: keys[role], role, name: role })
  }
  await createTestIngest(ch, { db })(storyEvents())
})

const asOf = dayDate(28).toISOString().slice(0, 10)
const interest = {
  id: 'team-interest',
  name: 'Two users on a paid module',
  kind: 'abm',
  appliesTo: { plans: ['free'] },
  conditions: {
    all: [
      {
        key: 'users',
        metric: 'module_users',
        module: '$paid',
        window: { days: 7 },
        op: '>=',
        value: 2,
      },
    ],
  },
  produces: { intentTag: 'module:{module}', score: 40 },
  cooldownDays: 0,
}

async function call(
  role: KeyRole | null,
  method: 'GET' | 'POST',
  url: string,
  payload?: unknown,
  env: Record<string, string> = {},
) {
  const { app } = await buildTestApp({ ch, db }, env)
  const res = await app.inject({
    method,
    url,
    payload: payload as object,
    headers: role ? { authorization: `Bearer ${keys[role]}` } : {},
  })
  return { status: res.statusCode, body: res.json() }
}

describe('when the rules API is called with each role', () => {
  const routes: Array<['GET' | 'POST', string, unknown]> = [
    ['GET', '/api/rules', undefined],
    ['POST', '/api/rules', interest],
    ['POST', '/api/rules/team-interest/activate', { version: 1 }],
    ['POST', '/api/rules/dry-run', { rule: interest, asOf }],
    ['POST', '/api/rules/backtest', { rule: interest, from: asOf, to: asOf }],
  ]
  it.each(routes)(
    '%s %s lets data and admin in and refuses the others with a reason',
    async (method, url, payload) => {
      for (const role of ['sales', 'csm', 'write'] as const) {
        const res = await call(role, method, url, payload)
        expect(res.status).toBe(403)
        expect(Object.keys(res.body.error).sort()).toEqual(['code', 'message'])
      }
      expect((await call(null, method, url, payload)).status).toBe(401)
      expect((await call('data', method, url, payload)).status).toBeLessThan(300)
    },
  )
})

describe('when a rule is written', () => {
  it('refuses an invalid one with each offending field, and an injected threshold never validates', async () => {
    const bad = {
      ...interest,
      conditions: {
        all: [{ ...interest.conditions.all[0], metric: 'nope', value: '1; DROP TABLE events' }],
      },
    }
    const res = await call('data', 'POST', '/api/rules', bad)
    expect(res.status).toBe(422)
    expect(res.body.error.code).toBe('RULE_INVALID')
    const paths = res.body.error.details.issues.map((i: { path: string }) => i.path)
    expect(paths.join(' ')).toContain('conditions.all.0')
  })

  it('stores versions, and one that is activated runs', async () => {
    const first = await call('data', 'POST', '/api/rules', { ...interest, id: 'versioned' })
    const second = await call('data', 'POST', '/api/rules', {
      ...interest,
      id: 'versioned',
      name: 'renamed',
    })
    expect([first.body, second.body]).toEqual([
      { id: 'versioned', version: 1 },
      { id: 'versioned', version: 2 },
    ])
    expect(
      (await call('admin', 'POST', '/api/rules/versioned/activate', { version: 2 })).status,
    ).toBe(200)
    const list = await call('data', 'GET', '/api/rules')
    expect(list.body.items.find((r: { id: string }) => r.id === 'versioned')).toMatchObject({
      status: 'active',
      version: 2,
      name: 'renamed',
    })
  })
})

describe('when a rule is dry-run', () => {
  it('answers what would fire as of a day, with evidence, and writes nothing', async () => {
    const before = Number(
      (await db.query<{ n: string }>('SELECT count(*) AS n FROM leads')).rows[0]!.n,
    )
    const res = await call('data', 'POST', '/api/rules/dry-run', { rule: interest, asOf })
    expect(res.status).toBe(200)
    expect(res.body.firings).toContainEqual(
      expect.objectContaining({
        tenantId: 'free-interest',
        module: 'analytics',
        intentTag: 'module:analytics',
        evidence: { users: 3 },
      }),
    )
    expect(
      Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM leads')).rows[0]!.n),
    ).toBe(before)
  })
})

describe('when a rule is backtested through the API', () => {
  it('reports precision, recall and the confusion counts', async () => {
    const res = await call('data', 'POST', '/api/rules/backtest', {
      ruleId: 'paid-module-interest',
      from: '2025-03-20',
      to: asOf,
      horizonDays: 30,
    })
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({
      ruleId: 'paid-module-interest',
      kind: 'abm',
      from: '2025-03-20',
      to: asOf,
      horizonDays: 30,
    })
    expect(res.body.firedAccounts).toBe(1)
    expect(res.body.confusion.truePositives + res.body.confusion.falsePositives).toBe(1)
  })
})

describe('when an evaluation is asked for now', () => {
  it('queues it, and a CSM watching the alert stream sees the new alert', async () => {
    const { app, runtime } = await buildTestApp(
      { ch, db },
      { QUEUE_PREFIX: `test-${randomBytes(6).toString('hex')}` },
    )
    const jobs = await startJobs(runtime, { schedule: false })
    runtime.enqueueEvaluate = evaluateNow(jobs.workers.queues.evaluate, runtime.db)
    onTestFinished(async () => {
      for (const q of Object.values(jobs.workers.queues)) await q.obliterate({ force: true })
      await jobs.close()
    })
    await applyLifecycleEvents(db, [
      {
        tenantId: 'cust-drop',
        messageId: 'cd-g',
        timestamp: '2025-03-01T00:00:00Z',
        type: 'group',
        traits: { plan: 'starter', seats: 10 },
      },
    ])

    const address = await app.listen({ host: '127.0.0.1', port: 0 })
    const received: string[] = []
    const stream = http.get(
      `${address}/api/alerts/stream`,
      { headers: { authorization: `Bearer ${keys.csm}` } },
      (res) => {
        expect(res.headers['content-type']).toBe('text/event-stream')
        res.setEncoding('utf8')
        res.on('data', (chunk: string) => received.push(chunk))
      },
    )
    onTestFinished(() => {
      stream.destroy()
    })
    await eventually(
      async () => received.join(''),
      (text) => text.includes(': connected'),
    )

    const res = await app.inject({
      method: 'POST',
      url: '/api/jobs/evaluate',
      headers: { authorization: `Bearer ${keys.data}` },
      payload: { kind: 'churn', asOf },
    })
    expect(res.statusCode).toBe(202)
    expect(res.json().queued).toEqual([
      { kind: 'churn', jobId: expect.any(String), evaluationId: expect.any(String) },
    ])
    const text = await eventually(
      async () => received.join(''),
      (t) => t.includes('event: alert.opened'),
      20_000,
    )
    expect(text).toMatch(/data: \{[^\n]*"tenantId":"cust-drop"[^\n]*"ruleId":"usage-drop"/)
  }, 60_000)
})
