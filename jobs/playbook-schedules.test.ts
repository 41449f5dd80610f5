import { beforeAll, describe, expect, it } from 'vitest'
import { addAccount } from '../api/test-support.js'
import { loadBuiltinPlaybooks } from '../crm/builtin-playbooks.js'
import { installBuiltinPlaybooks } from '../crm/playbooks-store.js'
import { closeTask, insertTask } from '../crm/tasks.js'
import { addUser } from '../crm/test-fixtures.js'
import { daysFrom, tasksOf } from '../crm/test-playbooks.js'
import type { Db } from '../platform/postgres.js'
import { useTestPostgres } from '../test/postgres.js'
import { runPlaybooks } from './run-playbooks.js'

let db: Db
let csm: string
beforeAll(async () => {
  db = await useTestPostgres()
  await installBuiltinPlaybooks(db, loadBuiltinPlaybooks())
  csm = await addUser(db, 'casey', 'csm')
})

// One clock for the whole file, a second ahead of the rows it makes (Postgres keeps
// microseconds, a Date milliseconds).
const now = new Date(Date.now() + 1000)
const run = (at: Date) => runPlaybooks({ db }, { now: at, escalateAfterDays: 3 })
const utcDay = (date: Date) => date.toISOString().slice(0, 10)

let seq = 0
async function customer() {
  const tenantId = `sched-${++seq}`
  await addAccount(db, tenantId, 'customer')
  await db.query('UPDATE accounts SET csm_id = $2, owner_id = $2 WHERE tenant_id = $1', [
    tenantId,
    csm,
  ])
  return tenantId
}

/** A won opportunity: a term that started `daysAgo` days ago. */
async function termStarted(tenantId: string, daysAgo: number, kind = 'renewal') {
  await db.query(
    `INSERT INTO opportunities (tenant_id, kind, stage, status, created_at, closed_at)
     VALUES ($1, $2, 'closed_won', 'won', $3, $3)`,
    [tenantId, kind, daysFrom(now, -daysAgo)],
  )
}

/** The account became a customer `daysAgo` days ago, as the lifecycle logs it. */
async function customerSince(tenantId: string, daysAgo: number) {
  await db.query(
    `INSERT INTO activity_log (tenant_id, actor, action, from_state, to_state, reason, at)
     VALUES ($1, 'crm-sync', 'order_completed', 'lead', 'customer', 'first order', $2)`,
    [tenantId, daysFrom(now, -daysAgo)],
  )
}

const checkIns = async (tenantId: string) =>
  (await tasksOf(db, tenantId)).filter((task) => task.playbook_id === 'monthly-check-in')

describe('when a renewal is 60 days away', () => {
  it('creates the renewal tasks once, keyed by the estimated renewal date', async () => {
    const tenantId = await customer()
    await termStarted(tenantId, 300)
    const renewsOn = new Date(daysFrom(now, -300))
    renewsOn.setUTCFullYear(renewsOn.getUTCFullYear() + 1)
    await run(now)
    expect(await tasksOf(db, tenantId)).toEqual([])

    await run(daysFrom(now, 6))
    await run(daysFrom(now, 7))
    const tasks = await tasksOf(db, tenantId)
    expect(tasks.map((task) => [task.template_key, task.title])).toEqual([
      ['renewal-review', `Renewal review with Account ${tenantId} (renews ${utcDay(renewsOn)})`],
      ['renewal-offer', `Send the renewal offer to Account ${tenantId}`],
    ])
    expect(tasks[0]!.trigger_key).toBe(`renewal:${tenantId}:${utcDay(renewsOn)}`)
  })

  it('counts from the first order when the customer has not renewed yet, and not from an upsell', async () => {
    const first = await customer()
    await termStarted(first, 310, 'new')
    const upsold = await customer()
    await termStarted(upsold, 310, 'upsell')
    await run(daysFrom(now, 6))
    expect((await tasksOf(db, first)).map((task) => task.playbook_id)).toEqual([
      'renewal-60-days',
      'renewal-60-days',
    ])
    expect(await tasksOf(db, upsold)).toEqual([])
  })

  it('creates nothing for a term that began 100 days ago', async () => {
    const tenantId = await customer()
    await termStarted(tenantId, 100)
    await run(daysFrom(now, 6))
    expect(await tasksOf(db, tenantId)).toEqual([])
  })
})

describe('when the monthly check-in comes round', () => {
  it('creates one check-in, then the next 30 days after the last completed call', async () => {
    const tenantId = await customer()
    await customerSince(tenantId, 40)
    await run(now)
    await run(now)
    const [first, ...more] = await checkIns(tenantId)
    expect(more).toEqual([])
    expect(first).toMatchObject({ type: 'call', status: 'open', assignee_id: csm })
    // Ten days late already: due now, not in the past.
    expect(first!.due_at.getTime()).toBe(now.getTime())

    const doneAt = daysFrom(now, 2)
    await db.transaction((tx) =>
      closeTask(
        tx,
        { id: first!.id, tenantId },
        { status: 'done', outcome: 'all well' },
        { actor: 'user:key-1', at: doneAt },
      ),
    )
    await run(daysFrom(now, 31))
    expect(await checkIns(tenantId)).toHaveLength(1)
    await run(daysFrom(now, 33))
    const next = (await checkIns(tenantId))[1]!
    expect(next.trigger_key).toBe(`cadence:${tenantId}:${utcDay(daysFrom(doneAt, 30))}`)
    expect(await checkIns(tenantId)).toHaveLength(2)
  })

  it('counts a call someone made by hand, and a skipped check-in from when it was cancelled', async () => {
    const tenantId = await customer()
    await customerSince(tenantId, 40)
    const manual = await db.transaction(async (tx) => {
      const id = await insertTask(
        tx,
        { tenantId, title: 'Quick call', type: 'call', dueAt: daysFrom(now, -10), assigneeId: csm },
        { actor: 'user:key-1', at: daysFrom(now, -11) },
      )
      await closeTask(
        tx,
        { id: id!, tenantId },
        { status: 'done', outcome: 'fine' },
        { actor: 'user:key-1', at: daysFrom(now, -10) },
      )
      return id
    })
    expect(manual).toBeDefined()
    await run(now)
    expect(await checkIns(tenantId)).toEqual([])

    await run(daysFrom(now, 21))
    const [checkIn] = await checkIns(tenantId)
    expect(checkIn!.trigger_key).toBe(`cadence:${tenantId}:${utcDay(daysFrom(now, 20))}`)
    const cancelledAt = daysFrom(now, 22)
    await db.transaction((tx) =>
      closeTask(
        tx,
        { id: checkIn!.id, tenantId },
        { status: 'cancelled', outcome: 'on holiday' },
        { actor: 'user:key-1', at: cancelledAt },
      ),
    )
    await run(daysFrom(now, 50))
    expect(await checkIns(tenantId)).toHaveLength(1)
    await run(daysFrom(now, 53))
    expect((await checkIns(tenantId)).map((task) => task.trigger_key)).toEqual([
      `cadence:${tenantId}:${utcDay(daysFrom(now, 20))}`,
      `cadence:${tenantId}:${utcDay(daysFrom(cancelledAt, 30))}`,
    ])
  })
})
