import { beforeAll, describe, expect, it } from 'vitest'
import { addUser } from '../crm/test-fixtures.js'
import type { ClickHouse } from '../platform/clickhouse.js'
import type { Db } from '../platform/postgres.js'
import { useTestClickHouse } from '../test/clickhouse.js'
import { useTestPostgres } from '../test/postgres.js'
import { findApiKey, seedApiKey } from './api-keys.js'
import { addAccount, bearerAuth, buildPeopleTestApp } from './test-support.js'

let ch: ClickHouse
let db: Db
let casey: string
let robin: string
// Keys that speak for a CRM user: Casey the CSM, Robin the sales rep.
const caseyKey = 'tpk_test_casey_key'
const robinKey = 'tpk_test_robin_key'
beforeAll(async () => {
  ch = await useTestClickHouse()
  db = await useTestPostgres()
  casey = await addUser(db, 'casey', 'csm')
  robin = await addUser(db, 'robin', 'sales')
  await seedApiKey(db, { key: caseyKey, role: 'csm', name: 'Casey', userId: casey })
  await seedApiKey(db, { key: robinKey, role: 'sales', name: 'Robin', userId: robin })
})

const day = 86_400_000
const inDays = (days: number) => new Date(Date.now() + days * day).toISOString()

let seq = 0
const tenant = async (lifecycle: Parameters<typeof addAccount>[2]) => {
  const id = `task-test-${++seq}`
  await addAccount(db, id, lifecycle)
  return id
}

async function client(key: string) {
  const { app } = await buildPeopleTestApp({ ch, db })
  return (method: 'GET' | 'POST' | 'PATCH', url: string, payload?: object) =>
    app.inject({ method, url, headers: bearerAuth(key), ...(payload ? { payload } : {}) })
}

const history = async (tenantId: string) =>
  (
    await db.query<{ action: string; from_state: string | null; to_state: string | null }>(
      "SELECT action, from_state, to_state FROM activity_log WHERE tenant_id = $1 AND action LIKE 'task_%' ORDER BY id",
      [tenantId],
    )
  ).rows

describe('when a CSM works a task through its life', () => {
  it('creates it for themselves, reschedules it, completes it with an outcome, and logs each change', async () => {
    const call = await client(caseyKey)
    const tenantId = await tenant('customer')
    const created = await call('POST', '/api/tasks', {
      tenantId,
      title: 'Training on reports',
      type: 'training',
      dueAt: inDays(3),
    })
    expect(created.statusCode).toBe(201)
    const task = created.json().task
    expect(task).toMatchObject({
      tenantId,
      title: 'Training on reports',
      type: 'training',
      status: 'open',
      assigneeId: casey,
      playbook: null,
      createdBy: expect.stringMatching(/^user:key-\d+$/),
      escalated: false,
      accountPriority: 'normal',
    })
    const mine = (await call('GET', '/api/tasks?mine=true')).json().items as Array<{ id: string }>
    expect(mine.map((t) => t.id)).toContain(task.id)

    const later = inDays(5)
    const moved = await call('PATCH', `/api/tasks/${task.id}`, { dueAt: later })
    expect(moved.json().task.dueAt).toBe(later)
    const done = await call('POST', `/api/tasks/${task.id}/complete`, {
      outcome: 'trained two admins; they want SSO next',
    })
    expect(done.statusCode).toBe(200)
    expect(done.json().task).toMatchObject({
      status: 'done',
      outcome: 'trained two admins; they want SSO next',
      doneAt: expect.any(String),
      overdueDays: null,
    })
    expect(await history(tenantId)).toEqual([
      { action: 'task_created', from_state: null, to_state: 'open' },
      { action: 'task_updated', from_state: null, to_state: null },
      { action: 'task_completed', from_state: 'open', to_state: 'done' },
    ])
  })

  it('refuses to change, complete or cancel a closed task with 409 TASK_ILLEGAL_CHANGE', async () => {
    const call = await client(caseyKey)
    const tenantId = await tenant('customer')
    const { id } = (
      await call('POST', '/api/tasks', { tenantId, title: 'Call', type: 'call', dueAt: inDays(1) })
    ).json().task
    const cancelled = await call('POST', `/api/tasks/${id}/cancel`, { reason: 'they moved on' })
    expect(cancelled.json().task).toMatchObject({ status: 'cancelled', outcome: 'they moved on' })
    for (const [method, url, body] of [
      ['POST', `/api/tasks/${id}/complete`, { outcome: 'x' }],
      ['POST', `/api/tasks/${id}/cancel`, {}],
      ['PATCH', `/api/tasks/${id}`, { title: 'again' }],
    ] as const) {
      const response = await call(method, url, body)
      expect(response.statusCode).toBe(409)
      expect(response.json().error).toMatchObject({
        code: 'TASK_ILLEGAL_CHANGE',
        details: { status: 'cancelled' },
      })
    }
    expect((await history(tenantId)).map((row) => row.action)).toEqual([
      'task_created',
      'task_cancelled',
    ])
  })

  it('refuses a lead of another account with 422, an unknown assignee with 422, an unknown tenant with 404', async () => {
    const call = await client(caseyKey)
    const tenantId = await tenant('customer')
    const other = await tenant('lead')
    const lead = await db.query<{ id: string }>(
      "INSERT INTO leads (tenant_id, source) VALUES ($1, 'mql') RETURNING id",
      [other],
    )
    const base = { tenantId, title: 'x', dueAt: inDays(1) }
    const wrongLead = await call('POST', '/api/tasks', { ...base, leadId: lead.rows[0]!.id })
    expect(wrongLead.statusCode).toBe(422)
    expect(wrongLead.json().error.code).toBe('TASK_INVALID_REFERENCE')
    const unknownUser = await call('POST', '/api/tasks', { ...base, assigneeId: '987654' })
    expect(unknownUser.json().error.code).toBe('USER_UNKNOWN')
    expect((await call('POST', '/api/tasks', { ...base, tenantId: 'nobody' })).statusCode).toBe(404)
  })

  it('answers mine=true for a key that speaks for nobody with 400 that says why', async () => {
    const { app, keys } = await buildPeopleTestApp({ ch, db })
    const response = await app.inject({
      url: '/api/tasks?mine=true',
      headers: bearerAuth(keys.csm),
    })
    expect(response.statusCode).toBe(400)
    expect(response.json().error.message).toMatch(/no CRM user/)
  })
})

describe('when tasks are listed with filters', () => {
  it('keeps to the account, status, overdue and due-before, and pages by due date', async () => {
    const call = await client(caseyKey)
    const tenantId = await tenant('customer')
    const ids: string[] = []
    for (const days of [-2, 1, 3, 6, 9]) {
      const response = await call('POST', '/api/tasks', {
        tenantId,
        title: `due in ${days}`,
        dueAt: inDays(days),
      })
      ids.push(response.json().task.id)
    }
    await call('POST', `/api/tasks/${ids[4]}/complete`, { outcome: 'early' })
    const list = async (query: string) =>
      (
        (await call('GET', `/api/tasks?tenant=${tenantId}&${query}`)).json().items as Array<{
          id: string
        }>
      ).map((t) => t.id)
    expect(await list('status=open')).toEqual(ids.slice(0, 4))
    expect(await list('overdue=true')).toEqual([ids[0]])
    expect(await list(`status=open&dueBefore=${encodeURIComponent(inDays(7))}`)).toEqual(
      ids.slice(0, 4),
    )
    expect(await list(`dueBefore=${encodeURIComponent(inDays(2))}`)).toEqual(ids.slice(0, 2))
    expect(await list('status=done')).toEqual([ids[4]])

    const walked: string[] = []
    let cursor: string | null = null
    do {
      const page: { items: Array<{ id: string }>; nextCursor: string | null } = (
        await call(
          'GET',
          `/api/tasks?tenant=${tenantId}&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        )
      ).json()
      walked.push(...page.items.map((t) => t.id))
      cursor = page.nextCursor
    } while (cursor)
    expect(walked).toEqual(ids)
  })
})

describe('when a task is overdue by TASK_OVERDUE_ESCALATE_DAYS', () => {
  it("shows it escalated and raises its account's priority in the list and the account view", async () => {
    const call = await client(caseyKey)
    const late = await tenant('customer')
    const slightly = await tenant('customer')
    await call('POST', '/api/tasks', { tenantId: late, title: 'Call back', dueAt: inDays(-4) })
    await call('POST', '/api/tasks', { tenantId: slightly, title: 'Call back', dueAt: inDays(-1) })
    const [lateTask] = (await call('GET', `/api/tasks?tenant=${late}`)).json().items
    expect(lateTask).toMatchObject({ overdueDays: 4, escalated: true, accountPriority: 'raised' })
    const [slightTask] = (await call('GET', `/api/tasks?tenant=${slightly}`)).json().items
    expect(slightTask).toMatchObject({
      overdueDays: 1,
      escalated: false,
      accountPriority: 'normal',
    })
    const view = (await call('GET', `/api/accounts/${late}`)).json()
    expect(view.priority).toBe('raised')
    expect(view.openTasks.map((t: { title: string }) => t.title)).toEqual(['Call back'])
    expect((await call('GET', `/api/accounts/${slightly}`)).json().priority).toBe('normal')
  })
})

describe('when a role asks for a task on an account of the other side', () => {
  it("lets a sales key see its leads' tasks and not a customer's: 404 on the task, 403 on creating one", async () => {
    const csm = await client(caseyKey)
    const sales = await client(robinKey)
    const customer = await tenant('customer')
    const lead = await tenant('lead')
    const customerTask = (
      await csm('POST', '/api/tasks', { tenantId: customer, title: 'QBR', dueAt: inDays(2) })
    ).json().task
    const leadTask = (
      await sales('POST', '/api/tasks', { tenantId: lead, title: 'Demo', dueAt: inDays(2) })
    ).json().task
    expect(leadTask.assigneeId).toBe(robin)

    const salesSees = (
      (await sales('GET', '/api/tasks')).json().items as Array<{ id: string }>
    ).map((t) => t.id)
    expect(salesSees).toContain(leadTask.id)
    expect(salesSees).not.toContain(customerTask.id)
    expect((await sales('GET', `/api/tasks/${customerTask.id}`)).statusCode).toBe(404)
    expect(
      (await sales('POST', `/api/tasks/${customerTask.id}/complete`, { outcome: 'x' })).statusCode,
    ).toBe(404)
    const create = await sales('POST', '/api/tasks', {
      tenantId: customer,
      title: 'x',
      dueAt: inDays(1),
    })
    expect(create.statusCode).toBe(403)
    expect(create.json().error.message).toMatch(/is a customer/)
    expect((await csm('GET', `/api/tasks/${leadTask.id}`)).statusCode).toBe(404)
  })

  it('lets the rep who owned a lead keep seeing its tasks after the account became a customer', async () => {
    const tenantId = await tenant('customer')
    const lead = await db.query<{ id: string }>(
      "INSERT INTO leads (tenant_id, source, status, owner_id, closed_at) VALUES ($1, 'mql', 'converted', $2, now()) RETURNING id",
      [tenantId, robin],
    )
    const csm = await client(caseyKey)
    const handover = (
      await csm('POST', '/api/tasks', {
        tenantId,
        title: 'Handover call with the rep',
        dueAt: inDays(1),
        leadId: lead.rows[0]!.id,
      })
    ).json().task
    const robinSees = await (await client(robinKey))('GET', `/api/tasks/${handover.id}`)
    expect(robinSees.statusCode).toBe(200)
    const { app, keys } = await buildPeopleTestApp({ ch, db })
    const anyRep = await app.inject({
      url: `/api/tasks/${handover.id}`,
      headers: bearerAuth(keys.sales),
    })
    expect(anyRep.statusCode).toBe(404)
  })
})

describe('when an admin makes a key for a CRM user', () => {
  it('makes a key that speaks for that user; an unknown or inactive user is 422', async () => {
    const { app, keys } = await buildPeopleTestApp({ ch, db })
    const userId = await addUser(db, 'kim', 'csm')
    const make = (payload: object) =>
      app.inject({ method: 'POST', url: '/api/keys', headers: bearerAuth(keys.admin), payload })
    const made = await make({ role: 'csm', name: 'Kim', userId })
    expect(made.statusCode).toBe(201)
    expect(made.json().userId).toBe(userId)
    expect(await findApiKey(db, made.json().key)).toMatchObject({ role: 'csm', userId })
    const unknown = await make({ role: 'csm', name: 'nobody', userId: '987654' })
    expect(unknown.statusCode).toBe(422)
    expect(unknown.json().error.code).toBe('USER_UNKNOWN')
  })
})
