import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { applyLifecycleEvents } from './apply-lifecycle-event.js'
import { CrmError, crmErrors, toCrmError, withCrmErrors } from './errors.js'
import { openLead } from './leads.js'
import { openOpportunity } from './opportunities.js'
import { availableEngines, createTestDatabase, type TestDatabase } from './test-database.js'
import { groupCall } from './test-events.js'

vi.setConfig({ testTimeout: 60_000, hookTimeout: 120_000 })

const serverUrl = process.env.DATABASE_URL

async function refusal(write: Promise<unknown>): Promise<CrmError> {
  const error = await write.then(
    () => undefined,
    (caught: unknown) => caught,
  )
  expect(error).toBeInstanceOf(CrmError)
  return error as CrmError
}

describe.each(availableEngines(serverUrl))('CRM constraints on %s Postgres', (engine) => {
  let t: TestDatabase
  beforeAll(async () => {
    t = await createTestDatabase(engine, { serverUrl })
    await applyLifecycleEvents(t.db, [
      groupCall('t-one', 'c1', '2024-01-01', { name: 'One', plan: 'free' }),
      groupCall('t-two', 'c2', '2024-01-01', { name: 'Two', plan: 'free' }),
    ])
    await t.db.query(
      `INSERT INTO rules (id, kind, name) VALUES ('low-usage', 'churn', 'Low usage')`,
    )
    await t.db.query(
      `INSERT INTO rule_versions (rule_id, version, definition, created_by)
       VALUES ('low-usage', 1, '{"metric":"active_users"}', 'test')`,
    )
  })
  afterAll(() => t?.drop())

  describe('when a second lead is opened for an account that has an open one', () => {
    it('is refused by the database as CRM_DUPLICATE_OPEN_LEAD', async () => {
      await openLead(t.db, { tenantId: 't-one', source: 'abm', score: 70 })
      const error = await refusal(openLead(t.db, { tenantId: 't-one', source: 'mql' }))
      expect(error).toMatchObject({ code: 'CRM_DUPLICATE_OPEN_LEAD', httpStatus: 409 })
      expect(error.details.constraint).toBe('leads_one_open_per_account')
    })

    it('is accepted once the first lead is closed', async () => {
      await t.db.query(
        `UPDATE leads SET status = 'disqualified', closed_at = now() WHERE tenant_id = 't-one'`,
      )
      await expect(openLead(t.db, { tenantId: 't-one', source: 'mql' })).resolves.toMatch(/^\d+$/)
    })
  })

  describe('when a second unresolved alert is opened for the same account and rule', () => {
    const open = () =>
      withCrmErrors(() =>
        t.db.query(
          `INSERT INTO alerts (tenant_id, rule_id, rule_version, severity, title)
           VALUES ('t-two', 'low-usage', 1, 'high', 'Usage dropped')`,
        ),
      )

    it('is refused as CRM_DUPLICATE_OPEN_ALERT, and accepted after resolution', async () => {
      await open()
      expect(await refusal(open())).toMatchObject({ code: 'CRM_DUPLICATE_OPEN_ALERT' })
      await t.db.query(
        `UPDATE alerts SET status = 'snoozed', snoozed_until = now() + interval '1 day' WHERE tenant_id = 't-two'`,
      )
      expect(await refusal(open())).toMatchObject({ code: 'CRM_DUPLICATE_OPEN_ALERT' })
      await t.db.query(
        `UPDATE alerts SET status = 'resolved', resolved_at = now(), resolution = 'called' WHERE tenant_id = 't-two'`,
      )
      await expect(open()).resolves.toMatchObject({ rowCount: 1 })
    })
  })

  describe('when the activity log is changed or emptied', () => {
    it('refuses UPDATE, DELETE and TRUNCATE as CRM_APPEND_ONLY', async () => {
      for (const sql of [
        `UPDATE activity_log SET reason = 'rewritten'`,
        'DELETE FROM activity_log',
        'TRUNCATE activity_log',
      ]) {
        const error = await refusal(withCrmErrors(() => t.db.query(sql)))
        expect(error).toMatchObject({ code: 'CRM_APPEND_ONLY' })
      }
      const { rows } = await t.db.query<{ n: string }>('SELECT count(*) AS n FROM activity_log')
      expect(Number(rows[0]!.n)).toBeGreaterThan(0)
    })
  })

  describe('when a write breaks another rule of the schema', () => {
    it.each([
      ["UPDATE accounts SET lifecycle = 'zombie' WHERE tenant_id = 't-one'", 'CRM_INVALID_VALUE'],
      ["INSERT INTO leads (tenant_id, source) VALUES ('t-nobody', 'mql')", 'CRM_UNKNOWN_ACCOUNT'],
      ["UPDATE accounts SET csm_id = 999999 WHERE tenant_id = 't-one'", 'CRM_UNKNOWN_USER'],
      [
        "INSERT INTO alerts (tenant_id, rule_id, severity, title) VALUES ('t-one', 'nope', 'low', 'x')",
        'CRM_UNKNOWN_RULE',
      ],
      ["DELETE FROM accounts WHERE tenant_id = 't-one'", 'CRM_STILL_REFERENCED'],
      ["UPDATE rule_versions SET definition = '{}'", 'CRM_APPEND_ONLY'],
      ["INSERT INTO accounts (tenant_id) VALUES ('t-one')", 'CRM_DUPLICATE_ACCOUNT'],
      [
        "INSERT INTO users (name, email, role) VALUES ('x', 'x@example.test', 'intern')",
        'CRM_INVALID_VALUE',
      ],
      ["SELECT * FROM leads WHERE id = 'abc'", 'CRM_INVALID_VALUE'],
    ] as const)('%s fails as %s', async (sql, code) => {
      expect(await refusal(withCrmErrors(() => t.db.query(sql)))).toMatchObject({ code })
    })

    it('refuses a second open new-business opportunity as CRM_DUPLICATE_OPEN_OPPORTUNITY', async () => {
      await openOpportunity(t.db, { tenantId: 't-two' })
      const error = await refusal(openOpportunity(t.db, { tenantId: 't-two' }))
      expect(error.code).toBe('CRM_DUPLICATE_OPEN_OPPORTUNITY')
    })
  })

  describe('when the failure is not a constraint', () => {
    it('is left as it is', async () => {
      const error = await t.db.query('SELEKT 1').catch((caught: unknown) => caught)
      expect(toCrmError(error)).toBeUndefined()
      expect(toCrmError(new Error('socket hang up'))).toBeUndefined()
    })
  })
})

describe('the error codes', () => {
  it('are each documented in crm/README.md', async () => {
    const readme = await readFile(path.join(import.meta.dirname, 'README.md'), 'utf8')
    const undocumented = Object.keys(crmErrors).filter((code) => !readme.includes(`\`${code}\``))
    expect(undocumented).toEqual([])
  })
})
