import { beforeAll, describe, expect, it } from 'vitest'
import { addUser } from '../crm/test-fixtures.js'
import type { ClickHouse } from '../platform/clickhouse.js'
import type { Db } from '../platform/postgres.js'
import { useTestClickHouse } from '../test/clickhouse.js'
import { useTestPostgres } from '../test/postgres.js'
import { addAccount, bearerAuth, buildPeopleTestApp } from './test-support.js'

let ch: ClickHouse
let db: Db
beforeAll(async () => {
  ch = await useTestClickHouse()
  db = await useTestPostgres()
})

let seq = 0
const tenant = async (lifecycle: Parameters<typeof addAccount>[2] = 'prospect') => {
  const id = `lead-test-${++seq}`
  await addAccount(db, id, lifecycle)
  return id
}

async function sales() {
  const { app, keys } = await buildPeopleTestApp({ ch, db })
  return (method: 'GET' | 'POST' | 'PATCH', url: string, payload?: object) =>
    app.inject({ method, url, headers: bearerAuth(keys.sales), ...(payload ? { payload } : {}) })
}

const lifecycleOf = async (tenantId: string) =>
  (
    await db.query<{ lifecycle: string }>('SELECT lifecycle FROM accounts WHERE tenant_id = $1', [
      tenantId,
    ])
  ).rows[0]!.lifecycle

const history = async (tenantId: string) =>
  (
    await db.query<{ actor: string; action: string; from_state: string; to_state: string }>(
      'SELECT actor, action, from_state, to_state FROM activity_log WHERE tenant_id = $1 ORDER BY id',
      [tenantId],
    )
  ).rows

describe('when a rep enters an MQL for a prospect', () => {
  it('opens an mql lead, moves the account to lead and logs who did it', async () => {
    const call = await sales()
    const tenantId = await tenant()
    const owner = await addUser(db, `rep-${seq}`, 'sales')
    const response = await call('POST', '/api/leads', {
      tenantId,
      score: 40,
      intentTags: ['analytics'],
      ownerId: owner,
      note: 'asked for a demo',
    })
    expect(response.statusCode).toBe(201)
    const body = response.json()
    expect(body.lifecycle).toEqual({ from: 'prospect', to: 'lead' })
    expect(body.lead).toMatchObject({
      tenantId,
      source: 'mql',
      status: 'open',
      score: 40,
      intentTags: ['analytics'],
      ownerId: owner,
      note: 'asked for a demo',
      lifecycle: 'lead',
    })
    expect(await lifecycleOf(tenantId)).toBe('lead')
    expect(await history(tenantId)).toEqual([
      {
        actor: expect.stringMatching(/^user:key-\d+$/),
        action: 'lead_entered',
        from_state: 'prospect',
        to_state: 'lead',
      },
    ])
  })

  it('refuses a second open lead for the account with 409 LEAD_ALREADY_OPEN', async () => {
    const call = await sales()
    const tenantId = await tenant()
    const first = await call('POST', '/api/leads', { tenantId })
    const second = await call('POST', '/api/leads', { tenantId })
    expect(second.statusCode).toBe(409)
    expect(second.json().error).toMatchObject({
      code: 'LEAD_ALREADY_OPEN',
      details: { leadId: first.json().lead.id },
    })
    const open = await db.query(
      "SELECT 1 FROM leads WHERE tenant_id = $1 AND status IN ('open', 'working')",
      [tenantId],
    )
    expect(open.rowCount).toBe(1)
  })

  it('lets one of two reps entering the same account at once win, the other gets 409', async () => {
    const call = await sales()
    const tenantId = await tenant()
    const answers = await Promise.all([
      call('POST', '/api/leads', { tenantId }),
      call('POST', '/api/leads', { tenantId }),
    ])
    expect(answers.map((answer) => answer.statusCode).sort()).toEqual([201, 409])
    expect((await history(tenantId)).map((row) => row.action)).toEqual(['lead_entered'])
  })

  it('refuses a customer with 409 ACCOUNT_ILLEGAL_TRANSITION and writes nothing', async () => {
    const call = await sales()
    const tenantId = await tenant('customer')
    const response = await call('POST', '/api/leads', { tenantId })
    expect(response.statusCode).toBe(409)
    expect(response.json().error.code).toBe('ACCOUNT_ILLEGAL_TRANSITION')
    expect(await history(tenantId)).toEqual([])
  })

  it('answers an unknown tenant with 404 and a bad owner with 422', async () => {
    const call = await sales()
    expect((await call('POST', '/api/leads', { tenantId: 'no-such-tenant' })).statusCode).toBe(404)
    const response = await call('POST', '/api/leads', {
      tenantId: await tenant(),
      ownerId: '987654',
    })
    expect(response.statusCode).toBe(422)
    expect(response.json().error.code).toBe('USER_UNKNOWN')
  })

  it('puts a lead.opened event in the outbox of a subscriber', async () => {
    const call = await sales()
    await db.query(
      "INSERT INTO webhook_subscriptions (url, secret, event_types) VALUES ('https://example.test/l', 'whsec_eA==', '{lead.opened}')",
    )
    const tenantId = await tenant()
    await call('POST', '/api/leads', { tenantId })
    const { rows } = await db.query<{ payload: { data: { tenantId: string; source: string } } }>(
      "SELECT payload FROM webhook_outbox WHERE event_type = 'lead.opened'",
    )
    expect(rows.map((row) => row.payload.data)).toContainEqual(
      expect.objectContaining({ tenantId, source: 'mql' }),
    )
  })
})

describe('when a rep works a lead', () => {
  it('marks it working, sets owner and note, and logs the change', async () => {
    const call = await sales()
    const tenantId = await tenant()
    const id = (await call('POST', '/api/leads', { tenantId })).json().lead.id
    const owner = await addUser(db, `owner-${seq}`, 'sales')
    const response = await call('PATCH', `/api/leads/${id}`, {
      status: 'working',
      ownerId: owner,
      note: 'called',
    })
    expect(response.statusCode).toBe(200)
    expect(response.json()).toMatchObject({
      lead: { status: 'working', ownerId: owner, note: 'called' },
      lifecycle: null,
    })
    expect((await history(tenantId)).map((row) => row.action)).toEqual([
      'lead_entered',
      'lead_updated',
    ])
  })

  it('disqualifies it: the lead closes and the account goes back to prospect', async () => {
    const call = await sales()
    const tenantId = await tenant()
    const id = (await call('POST', '/api/leads', { tenantId })).json().lead.id
    const response = await call('PATCH', `/api/leads/${id}`, { status: 'disqualified' })
    expect(response.statusCode).toBe(200)
    expect(response.json().lead).toMatchObject({
      status: 'disqualified',
      closedAt: expect.any(String),
    })
    expect(response.json().lifecycle).toEqual({ from: 'lead', to: 'prospect' })
    expect(await lifecycleOf(tenantId)).toBe('prospect')
  })

  it('refuses any change to a closed lead with 409 LEAD_ILLEGAL_CHANGE', async () => {
    const call = await sales()
    const id = (await call('POST', '/api/leads', { tenantId: await tenant() })).json().lead.id
    await call('PATCH', `/api/leads/${id}`, { status: 'disqualified' })
    for (const change of [{ status: 'working' }, { note: 'again' }]) {
      const response = await call('PATCH', `/api/leads/${id}`, change)
      expect(response.statusCode).toBe(409)
      expect(response.json().error.code).toBe('LEAD_ILLEGAL_CHANGE')
    }
    const convert = await call('POST', `/api/leads/${id}/convert`)
    expect(convert.statusCode).toBe(409)
  })

  it('refuses an empty change or a status the API does not set with 400', async () => {
    const call = await sales()
    const id = (await call('POST', '/api/leads', { tenantId: await tenant() })).json().lead.id
    expect((await call('PATCH', `/api/leads/${id}`, {})).statusCode).toBe(400)
    const converted = await call('PATCH', `/api/leads/${id}`, { status: 'converted' })
    expect(converted.statusCode).toBe(400)
    expect(converted.json().error.code).toBe('BAD_REQUEST')
  })
})

describe('when a rep converts a lead', () => {
  it('opens the new-business opportunity through the lifecycle and closes the lead', async () => {
    const call = await sales()
    const tenantId = await tenant()
    const id = (await call('POST', '/api/leads', { tenantId })).json().lead.id
    const response = await call('POST', `/api/leads/${id}/convert`, { amount: '1200.50' })
    expect(response.statusCode).toBe(200)
    expect(response.json()).toMatchObject({
      lead: { id, status: 'converted' },
      opportunity: { kind: 'new', status: 'open', stage: 'qualification', amount: '1200.50' },
      lifecycle: { from: 'lead', to: 'opportunity' },
    })
    const opportunity = await db.query<{ lead_id: string }>(
      'SELECT lead_id FROM opportunities WHERE tenant_id = $1',
      [tenantId],
    )
    expect(opportunity.rows).toEqual([{ lead_id: id }])
    expect((await history(tenantId)).map((row) => row.action)).toEqual([
      'lead_entered',
      'opportunity_opened',
    ])
    const again = await call('POST', `/api/leads/${id}/convert`)
    expect(again.statusCode).toBe(409)
  })
})

describe('when the inbox is filtered', () => {
  it('keeps to status, source, module and minimum score', async () => {
    const call = await sales()
    const hot = await tenant()
    const cold = await tenant()
    await call('POST', '/api/leads', { tenantId: hot, score: 90, intentTags: ['billing-pro'] })
    await call('POST', '/api/leads', { tenantId: cold, score: 5, intentTags: ['reports'] })
    const byModule = (await call('GET', '/api/leads?module=billing-pro&source=mql')).json()
    expect(byModule.items.map((lead: { tenantId: string }) => lead.tenantId)).toEqual([hot])
    const byScore = (await call('GET', '/api/leads?minScore=50&status=open')).json()
    expect(byScore.items.map((lead: { tenantId: string }) => lead.tenantId)).toContain(hot)
    expect(byScore.items.map((lead: { tenantId: string }) => lead.tenantId)).not.toContain(cold)
  })
})
