import { beforeAll, describe, expect, it } from 'vitest'
import { loadBuiltinPlaybooks } from '../crm/builtin-playbooks.js'
import { installBuiltinPlaybooks } from '../crm/playbooks-store.js'
import type { ClickHouse } from '../platform/clickhouse.js'
import type { Db } from '../platform/postgres.js'
import { useTestClickHouse } from '../test/clickhouse.js'
import { useTestPostgres } from '../test/postgres.js'
import { bearerAuth, buildPeopleTestApp } from './test-support.js'

let ch: ClickHouse
let db: Db
beforeAll(async () => {
  ch = await useTestClickHouse()
  db = await useTestPostgres()
  await installBuiltinPlaybooks(db, loadBuiltinPlaybooks())
})

const qbr = {
  id: 'quarterly-review',
  name: 'Quarterly business review',
  trigger: { type: 'cadence', everyDays: 90, taskType: 'meeting' },
  segment: { minMrr: 1000 },
  tasks: [
    {
      key: 'qbr',
      title: 'Quarterly review with {account}',
      type: 'meeting',
      dueInDays: 7,
      assignee: 'account_csm',
    },
  ],
}

async function api() {
  const { app, keys } = await buildPeopleTestApp({ ch, db })
  return (role: keyof typeof keys, method: 'GET' | 'POST', url: string, payload?: object) =>
    app.inject({ method, url, headers: bearerAuth(keys[role]), ...(payload ? { payload } : {}) })
}

describe('when an admin writes a playbook', () => {
  it('adds it as a draft, activates it, and lists it beside the built-ins', async () => {
    const call = await api()
    const created = await call('admin', 'POST', '/api/playbooks', qbr)
    expect(created.statusCode).toBe(201)
    expect(created.json()).toEqual({ id: 'quarterly-review', version: 1 })
    const draft = (await call('csm', 'GET', '/api/playbooks')).json().items
    expect(draft.find((p: { id: string }) => p.id === 'quarterly-review')).toMatchObject({
      status: 'draft',
      activeVersion: null,
    })
    const activated = await call('admin', 'POST', '/api/playbooks/quarterly-review/activate', {
      version: 1,
    })
    expect(activated.statusCode).toBe(200)
    const items = (await call('sales', 'GET', '/api/playbooks')).json().items as Array<{
      id: string
      status: string
    }>
    expect(items.map((p) => [p.id, p.status])).toEqual([
      ['high-churn-alert', 'active'],
      ['monthly-check-in', 'active'],
      ['onboarding', 'active'],
      ['quarterly-review', 'active'],
      ['renewal-60-days', 'active'],
    ])
    const second = await call('admin', 'POST', '/api/playbooks', { ...qbr, lookbackDays: 3 })
    expect(second.json().version).toBe(2)
  })

  it('refuses an invalid playbook with 422 PLAYBOOK_INVALID and each issue at its field', async () => {
    const call = await api()
    const response = await call('admin', 'POST', '/api/playbooks', {
      ...qbr,
      trigger: { type: 'cadence', everyDays: 0, taskType: 'meeting' },
      tasks: [{ ...qbr.tasks[0], assignee: 'lead_owner', title: 'Review {alertTitle}' }],
    })
    expect(response.statusCode).toBe(422)
    expect(response.json().error.code).toBe('PLAYBOOK_INVALID')
    const paths = response.json().error.details.issues.map((i: { path: string }) => i.path)
    expect(paths).toEqual(['trigger.everyDays', 'tasks.0.assignee', 'tasks.0.title'])
    expect((await call('admin', 'GET', '/api/playbooks')).json().items).toHaveLength(5)
  })

  it('answers an unknown version with 404 and keeps writing to admins', async () => {
    const call = await api()
    const missing = await call('admin', 'POST', '/api/playbooks/onboarding/activate', {
      version: 9,
    })
    expect(missing.statusCode).toBe(404)
    for (const role of ['csm', 'sales', 'data'] as const) {
      expect((await call(role, 'POST', '/api/playbooks', qbr)).statusCode).toBe(403)
      expect((await call(role, 'POST', '/api/playbooks/onboarding/retire')).statusCode).toBe(403)
    }
  })

  it('retires a playbook: it stays listed, archived', async () => {
    const call = await api()
    expect((await call('admin', 'POST', '/api/playbooks/quarterly-review/retire')).statusCode).toBe(
      200,
    )
    const items = (await call('admin', 'GET', '/api/playbooks')).json().items
    expect(items.find((p: { id: string }) => p.id === 'quarterly-review').status).toBe('archived')
  })
})
