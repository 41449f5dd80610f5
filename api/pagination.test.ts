import { beforeAll, describe, expect, it } from 'vitest'
import type { ClickHouse } from '../platform/clickhouse.js'
import type { Db } from '../platform/postgres.js'
import { useTestClickHouse } from '../test/clickhouse.js'
import { useTestPostgres } from '../test/postgres.js'
import { addAccount, addAlert, addRule, bearerAuth, buildPeopleTestApp } from './test-support.js'

let ch: ClickHouse
let db: Db
beforeAll(async () => {
  ch = await useTestClickHouse()
  db = await useTestPostgres()
})

let seq = 0
async function addLead(score: number): Promise<string> {
  const tenantId = `page-lead-${++seq}`
  await addAccount(db, tenantId, 'lead')
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO leads (tenant_id, source, score) VALUES ($1, 'abm', $2) RETURNING id`,
    [tenantId, score],
  )
  return rows[0]!.id
}

async function addCustomerAlert(): Promise<string> {
  const tenantId = `page-alert-${++seq}`
  await addAccount(db, tenantId, 'customer')
  return addAlert(db, { tenantId, ruleId: await addRule(db) })
}

/** Walks every page, calling between() after each one, and returns the ids served. */
async function walk(url: string, key: string, between: () => Promise<void>): Promise<string[]> {
  const { app } = await buildPeopleTestApp({ ch, db })
  const seen: string[] = []
  let cursor: string | null = null
  do {
    const response = await app.inject({
      url: `${url}${url.includes('?') ? '&' : '?'}limit=3${cursor ? `&cursor=${cursor}` : ''}`,
      headers: bearerAuth(key),
    })
    expect(response.statusCode).toBe(200)
    const page = response.json() as { items: Array<{ id: string }>; nextCursor: string | null }
    seen.push(...page.items.map((item) => item.id))
    cursor = page.nextCursor
    await between()
  } while (cursor)
  return seen
}

describe('when leads are inserted while a rep pages through the inbox', () => {
  it('serves every lead that existed once, in score order, with no duplicate', async () => {
    // Ties on purpose: the id must break them for the order to be total.
    const before = await Promise.all([50, 50, 50, 40, 90, 10, 50, 70].map(addLead))
    const inserted: string[] = []
    const seen = await walk('/api/leads', 'tpk_test_sales_key', async () => {
      // Above, inside and below the page just served.
      for (const score of [100, 50, 0]) inserted.push(await addLead(score))
    })
    expect(new Set(seen).size).toBe(seen.length)
    for (const id of before) expect(seen).toContain(id)
    const { rows } = await db.query<{ id: string; score: number }>(
      'SELECT id::text, score FROM leads WHERE id = ANY($1::bigint[])',
      [seen],
    )
    const scoreOf = new Map(rows.map((row) => [row.id, row.score]))
    const scores = seen.map((id) => scoreOf.get(id)!)
    expect(scores).toEqual([...scores].sort((a, b) => b - a))
  })
})

describe('when alerts are opened while a CSM pages through them', () => {
  it('serves every alert that existed once, newest first, with no duplicate', async () => {
    const before = []
    for (let i = 0; i < 8; i++) before.push(await addCustomerAlert())
    const seen = await walk('/api/alerts?status=open', 'tpk_test_csm_key', async () => {
      await addCustomerAlert()
    })
    expect(new Set(seen).size).toBe(seen.length)
    for (const id of before) expect(seen).toContain(id)
    expect(seen.map(Number)).toEqual([...seen.map(Number)].sort((a, b) => b - a))
  })
})

describe('when a cursor is forged', () => {
  it.each(['not-base64-json', Buffer.from('{"s":"x"}').toString('base64url')])(
    'answers %s with 400 API_INVALID_CURSOR',
    async (cursor) => {
      const { app, keys } = await buildPeopleTestApp({ ch, db })
      const response = await app.inject({
        url: `/api/leads?cursor=${cursor}`,
        headers: bearerAuth(keys.sales),
      })
      expect(response.statusCode).toBe(400)
      expect(response.json().error.code).toBe('API_INVALID_CURSOR')
    },
  )
})
