import { readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { createModelsRoutes } from '../api/models-routes.js'
import { bearerAuth, buildPeopleTestApp } from '../api/test-support.js'
import { loadBuiltinRules } from '../rules/builtin.js'
import { evaluateRule } from '../rules/evaluate.js'
import { createTestIngest, testCatalogue, testModules } from '../rules/test-ingest.js'
import { action, group, renewed } from '../rules/test-stories.js'
import { foldCommitted, queryRows, useTestClickHouse } from '../test/clickhouse.js'
import { useTestPostgres } from '../test/postgres.js'
import { TooFewOutcomesError } from './dataset.js'
import {
  featureNames,
  features,
  featureVector,
  loadFeatures,
  type RawFeatures,
} from './features.js'
import { predictLogistic } from './logistic.js'
import { trainAndStore } from './retrain.js'
import { explainRow, scoreCustomers } from './score.js'
import { activateModel } from './store.js'
import { worldDay, worldEvents, worldTenants } from './test-world.js'
import { trainChurnModel } from './train.js'

// One world for the file: 48 customers over 150 days, 24 of them declining for 25 days
// before they cancel, 8 dipping and recovering, the rest healthy (model/test-world.ts).
const ch = await useTestClickHouse()
const db = await useTestPostgres()
const tenants = worldTenants({ customers: 48, decliners: 24, dippers: 8 })
await createTestIngest(ch, { db })(worldEvents(tenants))

const modules = testModules()
const options = {
  horizonDays: 30,
  targetPrecision: 0.7,
  modulesAvailable: modules.length,
  baselines: [],
  modules,
}

describe('training', () => {
  it('ranks the declining customers first on the validation period it never saw', async () => {
    const result = await trainChurnModel({ ch, db }, options)
    expect(result.split.trainTo < result.split.validFrom).toBe(true)
    expect(result.outcomes.training).toBeGreaterThanOrEqual(10)
    expect(result.model.auc).toBeGreaterThan(0.9)
    // On one validation day, every customer whose decline began a week or more before
    // scores above every customer that never declined.
    const day = result.split.validFrom
    const dayNumber = Math.round((Date.parse(day) - Date.parse(worldDay(0))) / 86_400_000)
    const p = new Map(
      result.validation
        .filter((e) => e.raw.asOf === day)
        .map((e) => [e.raw.tenantId, predictLogistic(result.params, featureVector(e.raw))]),
    )
    const visible = tenants.filter(
      (t) => t.cancelDay !== null && t.declineDay! <= dayNumber - 7 && t.cancelDay >= dayNumber,
    )
    const healthy = tenants.filter((t) => t.declineDay === null)
    expect(visible.length).toBeGreaterThanOrEqual(3)
    const lowestDeclining = Math.min(...visible.map((t) => p.get(t.id)!))
    const highestHealthy = Math.max(...healthy.map((t) => p.get(t.id)!))
    expect(lowestDeclining).toBeGreaterThan(highestHealthy)
  })

  it('gives the same model and the same scores when trained twice on the same data', async () => {
    const a = await trainChurnModel({ ch, db }, options)
    const b = await trainChurnModel({ ch, db }, options)
    expect(b.params).toEqual(a.params)
    const score = (r: typeof a) =>
      r.validation.map((e) => predictLogistic(r.params, featureVector(e.raw)))
    expect(score(b)).toEqual(score(a))
  })

  it('refuses to train on too few cancellations, saying how many it needs and found', async () => {
    const error = await trainChurnModel({ ch, db }, { ...options, minOutcomes: 50 }).catch((e) => e)
    expect(error).toBeInstanceOf(TooFewOutcomesError)
    expect(error.needed).toBe(50)
    expect(error.found).toBeGreaterThan(0)
    expect(error.message).toMatch(/at least 50 are needed/)
    expect(error.message).toContain(`${error.found} accounts cancelled`)
  })

  it("gives a declining customer's reasons as real features with its own figures", async () => {
    const result = await trainChurnModel({ ch, db }, options)
    const t = tenants.find((x) => x.cancelDay !== null && x.cancelDay > 120)!
    const asOf = worldDay(t.cancelDay! - 8)
    const row = (
      await loadFeatures(ch, { from: asOf, to: asOf, modulesAvailable: modules.length })
    ).find((r) => r.tenantId === t.id)
    const names = new Map(testCatalogue().modules.map((m) => [m.key, m.name]))
    const scored = explainRow({ params: result.params }, row!, (k) => names.get(k) ?? k)
    expect(scored.probability).toBeGreaterThan(0.5)
    expect(scored.reasons.length).toBeGreaterThan(0)
    for (const reason of scored.reasons) {
      expect(featureNames).toContain(reason.feature)
      expect(reason.contribution).toBeGreaterThan(0)
      expect(features.find((f) => f.name === reason.feature)!.context).toBeUndefined()
    }
    // Tasks was last used the day before the decline's third day, 23 days before the
    // cancellation: 14 whole days before the as-of day, 8 days before the cancellation.
    expect(row!.keyModule).toBe('tasks')
    expect(row!.keyModuleIdleDays).toBe(14)
    const idle = scored.reasons.find((r) => r.feature === 'key_module_idle_days')
    expect(idle?.text).toBe('Tasks & Projects unused for 14 days')
    expect(idle?.value).toBe(14)
  })
})

describe('scoring', () => {
  it("puts each customer's probability and reasons on the account, in ClickHouse, and before a rule", async () => {
    const stored = await trainAndStore(
      { ch, db },
      { ...options, trainedBy: 'test', activate: 'never' },
    )
    const model = await activateModel(db, stored.model.id, 'test')
    const t = tenants.find((x) => x.cancelDay !== null && x.cancelDay > 120)!
    const asOf = worldDay(t.cancelDay! - 5)
    const scored = await scoreCustomers({ ch, db }, model, {
      asOf,
      modulesAvailable: modules.length,
    })
    expect(scored.scored).toBeGreaterThan(20)

    const { app, keys } = await buildPeopleTestApp({ db, ch })
    const res = await app.inject({
      method: 'GET',
      url: `/api/accounts/${t.id}`,
      headers: bearerAuth(keys.csm),
    })
    const risk = res.json().account.churnRisk
    expect(risk.probability).toBeGreaterThan(0.5)
    expect(risk.modelId).toBe(String(model.id))
    expect(risk.reasons[0].text.length).toBeGreaterThan(5)

    const [row] = await queryRows<{ probability: number; reasons: string }>(
      ch,
      'SELECT probability, reasons FROM {db:Identifier}.churn_scores WHERE tenant_id = {t:String} AND day = {d:Date}',
      { t: t.id, d: asOf },
    )
    expect(row!.probability).toBeCloseTo(risk.probability, 10)
    expect(JSON.parse(row!.reasons)).toEqual(risk.reasons)

    // The built-in rule reads the stored score as of that day and the days after.
    const rule = loadBuiltinRules(modules).find((r) => r.id === 'churn-risk')!
    const firings = await evaluateRule(ch, rule, { asOf: new Date(`${asOf}T00:00:00Z`), modules })
    const expected = (
      await loadFeatures(ch, { from: asOf, to: asOf, modulesAvailable: modules.length })
    )
      .filter((r) => predictLogistic(model.params, featureVector(r)) >= 0.4)
      .map((r) => r.tenantId)
      .sort()
    expect(firings.map((f) => f.tenantId).sort()).toEqual(expected)
    expect(firings.map((f) => f.tenantId)).toContain(t.id)
  })

  it('refuses a stored model trained on an earlier definition of the features', async () => {
    const stored = await trainAndStore(
      { ch, db },
      { ...options, trainedBy: 'test', activate: 'never' },
    )
    const { featuresVersion: _, ...earlier } = stored.model.params
    const old = { ...stored.model, params: earlier }
    await expect(
      scoreCustomers({ ch, db }, old, { asOf: worldDay(140), modulesAvailable: modules.length }),
    ).rejects.toThrow(/version 1 of the features, this version computes version 2/)
  })
})

describe('the models API', () => {
  it('is for the data team and admins; training answers with the report or a clear refusal', async () => {
    const { app, keys } = await buildPeopleTestApp({ db, ch }, [
      createModelsRoutes({ catalogue: testCatalogue() }),
    ])
    for (const role of ['sales', 'csm', 'write'] as const) {
      const res = await app.inject({
        method: 'GET',
        url: '/api/models',
        headers: bearerAuth(keys[role]),
      })
      expect(res.statusCode, role).toBe(403)
      const train = await app.inject({
        method: 'POST',
        url: '/api/models/train',
        headers: bearerAuth(keys[role]),
        payload: {},
      })
      expect(train.statusCode, role).toBe(403)
    }
    const refused = await app.inject({
      method: 'POST',
      url: '/api/models/train',
      headers: bearerAuth(keys.data),
      payload: { validationDays: 33 },
    })
    expect(refused.statusCode).toBe(422)
    expect(refused.json().error.code).toBe('MODEL_TOO_FEW_OUTCOMES')

    const trained = await app.inject({
      method: 'POST',
      url: '/api/models/train',
      headers: bearerAuth(keys.data),
      payload: {},
    })
    expect(trained.statusCode).toBe(201)
    const body = trained.json()
    // No baselines given by the built-in rules? They are the built-in churn rules.
    expect(body.model.baselines.map((b: { name: string }) => b.name)).toContain('usage-drop')
    expect(body.model.baselines.map((b: { name: string }) => b.name)).toContain('health score')
    expect(body.activated).toBe(
      body.model.report.prAuc >
        Math.max(...body.model.baselines.map((b: { prAuc: number | null }) => b.prAuc ?? 0)),
    )
    const list = await app.inject({
      method: 'GET',
      url: '/api/models',
      headers: bearerAuth(keys.admin),
    })
    expect(list.statusCode).toBe(200)
    expect(list.json().items[0].id).toBe(body.model.id)
    expect(list.json().items[0].features).toEqual(featureNames)
    const missing = await app.inject({
      method: 'POST',
      url: '/api/models/999999/activate',
      headers: bearerAuth(keys.data),
    })
    expect(missing.statusCode).toBe(404)
  })
})

// Last: it adds events to the world's future, which the tests above must not see.
describe('churn model features', () => {
  it("reads a small account's 1 → 0 users as a small change, a large account's fall as a large one; the reason keeps the plain change", async () => {
    const day = worldDay(100)
    const [sample] = await loadFeatures(ch, {
      from: day,
      to: day,
      modulesAvailable: modules.length,
    })
    const input = (name: string, r: RawFeatures) => featureVector(r)[featureNames.indexOf(name)]!
    const small = { ...sample!, activeUsers14: 0, activeUsersPrev14: 1 }
    const large = { ...sample!, activeUsers14: 20, activeUsersPrev14: 80 }
    expect(input('active_users_change_14', small)).toBeGreaterThan(-0.1)
    expect(input('active_users_change_14', large)).toBeLessThan(-0.6)
    const reason = features
      .find((f) => f.name === 'active_users_change_14')!
      .reason(small, (k) => k)
    expect(reason).toContain('−100 %')
  })

  it('reads nothing of the as-of day or after it', async () => {
    const asOf = worldDay(100)
    const q = { from: asOf, to: asOf, modulesAvailable: modules.length }
    const before = await loadFeatures(ch, q)
    expect(before.length).toBeGreaterThan(20)
    // The future of every customer changes: a burst of use on the as-of day and after,
    // new seats and MRR, a renewal, and an extra user.
    const future = tenants.flatMap((t) => [
      group(t.id, { plan: 'business', seats: 40, mrr: 9000 }, 100),
      renewed(t.id, 101, 9000),
      ...[100, 101, 105].flatMap((day) => [
        action(t.id, `${t.id}-newcomer`, 'automation', day, 5),
        action(t.id, `${t.id}-u1`, 'docs', day, 6),
      ]),
    ])
    const send = createTestIngest(ch, { db })
    await send(future)
    await foldCommitted(ch)
    const after = await loadFeatures(ch, q)
    expect(after).toEqual(before)
    // And the same events do show the day after: the check above could not pass blind.
    const nextDay = await loadFeatures(ch, { ...q, from: worldDay(102), to: worldDay(102) })
    const seats = nextDay.find((r) => r.tenantId === tenants.at(-1)!.id)!.seats
    expect(seats).toBe(40)
  })

  it('names each feature once, with a description, and the README lists each', () => {
    expect(new Set(featureNames).size).toBe(featureNames.length)
    const readme = readFileSync(path.join(import.meta.dirname, 'README.md'), 'utf8')
    for (const f of features) {
      expect(f.description.length).toBeGreaterThan(10)
      expect(readme).toContain(`| \`${f.name}\``)
    }
  })
})
