import { beforeAll, describe, expect, it } from 'vitest'
import type { Db } from '../platform/postgres.js'
import { useTestPostgres } from '../test/postgres.js'
import { applyFirings, type RuleFiring } from './apply-firings.js'
import { applyLifecycleEvents } from './apply-lifecycle-event.js'
import {
  createEvaluation,
  expireStaleEvaluations,
  finishEvaluationIfComplete,
  getEvaluation,
  markEvaluationEvaluated,
} from './evaluations.js'
import { installBuiltinRules } from './rules-store.js'
import { addUser } from './test-fixtures.js'

let db: Db
let csm: string
beforeAll(async () => {
  db = await useTestPostgres()
  csm = await addUser(db, 'cara', 'csm')
  await installBuiltinRules(db, [
    { id: 'paid-module-interest', kind: 'abm', name: 'Paid module interest' },
    { id: 'pricing-revisits', kind: 'abm', name: 'Pricing revisits' },
    { id: 'usage-drop', kind: 'churn', name: 'Usage drop' },
  ])
  await db.query(
    "INSERT INTO webhook_subscriptions (url, secret, event_types) VALUES ('http://127.0.0.1:1/hook', 'whsec_dGVzdA==', '{}')",
  )
})

let n = 0
async function account(plan: 'free' | 'business'): Promise<string> {
  const tenantId = `fire-${++n}`
  const events: Parameters<typeof applyLifecycleEvents>[1][number][] = [
    {
      tenantId,
      messageId: `${tenantId}-g`,
      timestamp: '2026-10-01T00:00:00Z',
      type: 'group',
      traits: { name: tenantId, plan: 'free' },
    },
  ]
  if (plan === 'business') {
    events.push({
      tenantId,
      messageId: `${tenantId}-o`,
      timestamp: '2026-10-02T00:00:00Z',
      type: 'track',
      event: 'Order Completed',
      properties: { orderId: `${tenantId}-1`, revenue: 100 },
    })
  }
  await applyLifecycleEvents(db, events)
  return tenantId
}

const abm = (tenantId: string, module: string, score: number): RuleFiring => ({
  ruleId: 'paid-module-interest',
  ruleVersion: 1,
  kind: 'abm',
  tenantId,
  module,
  intentTag: `module:${module}`,
  score,
  evidence: { module_users: 4 },
})
const churn = (tenantId: string): RuleFiring => ({
  ruleId: 'usage-drop',
  ruleVersion: 1,
  kind: 'churn',
  tenantId,
  severity: 'high',
  title: 'Active users down 60%',
  cooldownDays: 7,
  evidence: { active_users_pct_change: -60 },
})
const one = async <T>(sql: string, params: unknown[]) => (await db.query<T>(sql, params)).rows[0]
const count = async (sql: string, params: unknown[]) =>
  Number((await one<{ n: string }>(sql, params))!.n)
const at = new Date('2026-11-20T00:00:00Z')

describe('when an ABM rule fires for a prospect', () => {
  it('opens a lead with the intent tag, score and evidence, and a rerun adds nothing', async () => {
    const tenant = await account('free')
    const first = await applyFirings(db, [abm(tenant, 'analytics', 60)], at)
    expect(first).toMatchObject({ leadsOpened: 1, signals: 1, webhooks: 1 })
    expect(await one('SELECT lifecycle FROM accounts WHERE tenant_id = $1', [tenant])).toEqual({
      lifecycle: 'lead',
    })
    expect(
      await one('SELECT source, status, score, intent_tags FROM leads WHERE tenant_id = $1', [
        tenant,
      ]),
    ).toEqual({ source: 'abm', status: 'open', score: 60, intent_tags: ['module:analytics'] })
    expect(await one('SELECT evidence FROM intent_signals WHERE tenant_id = $1', [tenant])).toEqual(
      { evidence: { module: 'analytics', intentTag: 'module:analytics', module_users: 4 } },
    )

    const again = await applyFirings(db, [abm(tenant, 'analytics', 60)], at)
    expect(again).toMatchObject({ leadsOpened: 0, leadsUpdated: 0, signals: 0, webhooks: 0 })
    expect(
      await count('SELECT count(*) AS n FROM intent_signals WHERE tenant_id = $1', [tenant]),
    ).toBe(1)
    expect(
      await count(
        "SELECT count(*) AS n FROM webhook_outbox WHERE payload->'data'->>'tenantId' = $1",
        [tenant],
      ),
    ).toBe(1)
  })

  it('merges the tags of a second module and keeps the higher score', async () => {
    const tenant = await account('free')
    await applyFirings(db, [abm(tenant, 'analytics', 40), abm(tenant, 'automation', 70)], at)
    expect(
      await one('SELECT score, intent_tags FROM leads WHERE tenant_id = $1', [tenant]),
    ).toEqual({ score: 70, intent_tags: ['module:analytics', 'module:automation'] })
    expect(
      await count('SELECT count(*) AS n FROM intent_signals WHERE tenant_id = $1', [tenant]),
    ).toBe(2)
  })

  it('leaves a customer alone', async () => {
    const tenant = await account('business')
    expect((await applyFirings(db, [abm(tenant, 'ai', 50)], at)).skipped).toEqual({
      not_a_prospect: 1,
    })
  })
})

describe('when a churn rule fires for a customer', () => {
  it("opens one alert for the account's CSM, none while it is open, none during the cool-down", async () => {
    const tenant = await account('business')
    expect(await applyFirings(db, [churn(tenant)], at)).toMatchObject({
      alertsOpened: 1,
      webhooks: 1,
    })
    expect(
      await one(
        'SELECT severity, status, title, assignee_id, evidence FROM alerts WHERE tenant_id = $1',
        [tenant],
      ),
    ).toEqual({
      severity: 'high',
      status: 'open',
      title: 'Active users down 60%',
      assignee_id: csm,
      evidence: { active_users_pct_change: -60 },
    })
    expect((await applyFirings(db, [churn(tenant)], at)).skipped).toEqual({ alert_open: 1 })

    await db.query(
      "UPDATE alerts SET status = 'resolved', resolution = 'called them', resolved_at = $2 WHERE tenant_id = $1",
      [tenant, at],
    )
    expect(
      (await applyFirings(db, [churn(tenant)], new Date('2026-11-25T00:00:00Z'))).skipped,
    ).toEqual({ cooling_down: 1 })
    expect(
      (await applyFirings(db, [churn(tenant)], new Date('2026-11-28T00:00:00Z'))).alertsOpened,
    ).toBe(1)
    expect(await count('SELECT count(*) AS n FROM alerts WHERE tenant_id = $1', [tenant])).toBe(2)
  })

  it('leaves a prospect alone', async () => {
    const tenant = await account('free')
    expect((await applyFirings(db, [churn(tenant)], at)).skipped).toEqual({ not_a_customer: 1 })
  })
})

describe('when firings are applied as part of an evaluation', () => {
  it('records each outcome once, so a retried batch neither applies nor counts twice', async () => {
    const evaluationId = await createEvaluation(db, { kind: 'churn', trigger: 'manual' })
    const a = await account('business')
    const b = await account('business')
    const batch = [churn(a), churn(b), churn(a)]
    await markEvaluationEvaluated(db, evaluationId, {
      asOf: '2026-11-01',
      rules: 1,
      invalidRules: [],
      firings: 2,
      synced: {},
    })
    const at = new Date('2026-11-01T00:00:00Z')
    const first = await applyFirings(db, batch, at, { evaluationId })
    expect(first.alertsOpened).toBe(2)
    expect(first.alreadyApplied).toBe(1)
    const again = await applyFirings(db, batch, at, { evaluationId })
    expect(again).toMatchObject({ alertsOpened: 0, alreadyApplied: 3, skipped: {} })
    expect(await finishEvaluationIfComplete(db, evaluationId)).toBe(true)
    const record = await getEvaluation(db, evaluationId)
    expect(record).toMatchObject({ status: 'done', firings: 2 })
    expect(record!.counts).toEqual({
      applied: 2,
      pending: 0,
      leadsOpened: 0,
      leadsUpdated: 0,
      signals: 0,
      alertsOpened: 2,
      skipped: {},
    })
  })

  it('hands back a firing for an account the CRM does not know yet, and applies it once it does', async () => {
    const evaluationId = await createEvaluation(db, { kind: 'abm', trigger: 'manual' })
    await markEvaluationEvaluated(db, evaluationId, {
      asOf: '2026-11-01',
      rules: 1,
      invalidRules: [],
      firings: 1,
      synced: {},
    })
    const tenantId = `fire-late-${++n}`
    const at = new Date('2026-11-01T00:00:00Z')
    const firing = abm(tenantId, 'analytics', 50)
    const early = await applyFirings(db, [firing], at, { evaluationId, deferUnknownAccounts: true })
    expect(early.deferred).toEqual([firing])
    expect(early.skipped).toEqual({})
    expect((await getEvaluation(db, evaluationId))!.counts.pending).toBe(1)
    expect(await finishEvaluationIfComplete(db, evaluationId)).toBe(false)

    await applyLifecycleEvents(db, [
      {
        tenantId,
        messageId: `${tenantId}-g`,
        timestamp: '2026-10-01T00:00:00Z',
        type: 'group',
        traits: { plan: 'free' },
      },
    ])
    const later = await applyFirings(db, early.deferred, at, {
      evaluationId,
      deferUnknownAccounts: true,
    })
    expect(later).toMatchObject({ leadsOpened: 1, deferred: [] })
    expect(await finishEvaluationIfComplete(db, evaluationId)).toBe(true)
    expect((await getEvaluation(db, evaluationId))!.counts).toMatchObject({
      leadsOpened: 1,
      signals: 1,
      pending: 0,
    })
  })

  it('is marked failed, with the reason, when its jobs never finished it', async () => {
    const evaluationId = await createEvaluation(db, { kind: 'churn', trigger: 'schedule' })
    await db.query(
      "UPDATE evaluations SET status = 'applying', queued_at = now() - interval '3 hours' WHERE id = $1",
      [evaluationId],
    )
    const fresh = await createEvaluation(db, { kind: 'churn', trigger: 'schedule' })
    expect(await expireStaleEvaluations(db, 7200)).toBe(1)
    expect(await getEvaluation(db, evaluationId)).toMatchObject({
      status: 'failed',
      error: expect.stringMatching(/jobs were lost/),
    })
    expect((await getEvaluation(db, fresh))!.status).toBe('queued')
  })

  it('counts a firing whose account never came as skipped once its time is up', async () => {
    const evaluationId = await createEvaluation(db, { kind: 'abm', trigger: 'manual' })
    const firing = abm(`fire-never-${++n}`, 'analytics', 50)
    const out = await applyFirings(db, [firing], new Date('2026-11-01T00:00:00Z'), {
      evaluationId,
      deferUnknownAccounts: false,
    })
    expect(out).toMatchObject({ deferred: [], skipped: { unknown_account: 1 } })
    expect((await getEvaluation(db, evaluationId))!.counts.skipped).toEqual({
      unknown_account: 1,
    })
  })
})
