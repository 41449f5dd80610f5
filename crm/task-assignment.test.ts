import { beforeAll, describe, expect, it } from 'vitest'
import { addAccount } from '../api/test-support.js'
import type { Db } from '../platform/postgres.js'
import { useTestPostgres } from '../test/postgres.js'
import { getAccount } from './accounts.js'
import { pickLeastLoaded, resolveAssignee } from './task-assignment.js'
import { insertTask } from './tasks.js'
import { addUser } from './test-fixtures.js'

let db: Db
let busy: string
let free: string
let gone: string
beforeAll(async () => {
  db = await useTestPostgres()
  busy = await addUser(db, 'busy', 'sales')
  free = await addUser(db, 'free', 'sales')
  gone = await addUser(db, 'gone', 'sales', false)
  await addAccount(db, 'assign-prospect', 'prospect')
  await addAccount(db, 'assign-customer', 'customer')
  for (const title of ['one', 'two']) {
    await db.transaction((tx) =>
      insertTask(
        tx,
        { tenantId: 'assign-prospect', title, type: 'call', dueAt: new Date(), assigneeId: busy },
        { actor: 'user:key-1', at: new Date() },
      ),
    )
  }
})

describe('when a task goes round-robin in a team', () => {
  it('picks the active member with the fewest open tasks', async () => {
    expect(await db.transaction((tx) => pickLeastLoaded(tx, 'sales'))).toBe(free)
  })

  it('answers nobody for a team with no active member', async () => {
    expect(await db.transaction((tx) => pickLeastLoaded(tx, 'csm'))).toBeNull()
  })
})

describe('when the assignee rule names nobody who still works here', () => {
  it("falls back to the round-robin of the account's team", async () => {
    const account = (await getAccount(db, 'assign-prospect'))!
    const chosen = await db.transaction((tx) =>
      resolveAssignee(tx, 'lead_owner', { account, leadOwnerId: gone }),
    )
    expect(chosen).toBe(free)
  })

  it('keeps the named person when they are active', async () => {
    const account = (await getAccount(db, 'assign-prospect'))!
    const chosen = await db.transaction((tx) =>
      resolveAssignee(tx, 'lead_owner', { account, leadOwnerId: busy }),
    )
    expect(chosen).toBe(busy)
  })

  it('leaves a customer without CSM unassigned when customer success has nobody', async () => {
    const account = (await getAccount(db, 'assign-customer'))!
    expect(await db.transaction((tx) => resolveAssignee(tx, 'account_csm', { account }))).toBeNull()
  })
})
