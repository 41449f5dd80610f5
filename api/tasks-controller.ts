import { lockAccount } from '../crm/accounts.js'
import { closeTask, insertTask, type TaskChanges, updateTask } from '../crm/tasks.js'
import { AppError } from '../platform/errors.js'
import type { Db, Queryable } from '../platform/postgres.js'
import { visibleTo } from './account-visibility.js'
import type { ApiKeyIdentity } from './api-keys.js'
import { actorOf, forbidden } from './auth.js'
import { isActiveUser } from './leads-store.js'
import type { CreateTaskBody, ListTasksQuery, UpdateTaskBody } from './tasks-schemas.js'
import { getTask, listTasks, type TaskClock } from './tasks-store.js'

export const tasksController = {
  list(db: Db, who: ApiKeyIdentity, query: ListTasksQuery, clock: TaskClock) {
    let assignee = query.assignee
    if (query.mine) {
      if (who.userId === null) {
        throw new AppError(
          'BAD_REQUEST',
          'this key speaks for no CRM user, so it has no tasks of its own; pass assignee, or use a key made with userId',
        )
      }
      assignee = who.userId
    }
    return listTasks(db, who, { ...query, assignee }, clock)
  },

  async get(db: Db, who: ApiKeyIdentity, id: string, clock: TaskClock) {
    const task = await getTask(db, id, clock, { who })
    if (!task) throw new AppError('NOT_FOUND', `no task ${id}`)
    return { task }
  },

  /**
   * A task on an account the caller may see. Its assignee defaults to the key's own user,
   * else the account's owner. Another side's account is a 403 with the reason, as
   * GET /api/accounts/:tenantId answers.
   */
  create: (db: Db, who: ApiKeyIdentity, body: CreateTaskBody, clock: TaskClock) =>
    db.transaction(async (tx) => {
      const account = await lockAccount(tx, body.tenantId)
      if (!account) throw new AppError('NOT_FOUND', `no account for tenant ${body.tenantId}`)
      if (!visibleTo[who.role].includes(account.lifecycle)) {
        throw forbidden(
          `account ${body.tenantId} is a ${account.lifecycle}; a ${who.role} key works on ${visibleTo[who.role].join(', ')} accounts`,
        )
      }
      await requireOnAccount(tx, body)
      let assigneeId = body.assigneeId ?? who.userId ?? account.ownerId
      if (body.assigneeId !== undefined) await requireActiveUser(tx, body.assigneeId)
      else if (assigneeId !== null && !(await isActiveUser(tx, assigneeId))) assigneeId = null
      const id = await insertTask(
        tx,
        {
          tenantId: account.tenantId,
          title: body.title,
          type: body.type,
          description: body.description,
          dueAt: new Date(body.dueAt),
          assigneeId,
          leadId: body.leadId,
          alertId: body.alertId,
          opportunityId: body.opportunityId,
        },
        { actor: actorOf(who), at: clock.now },
      )
      return { task: (await getTask(tx, id!, clock))! }
    }),

  update: (db: Db, who: ApiKeyIdentity, id: string, body: UpdateTaskBody, clock: TaskClock) =>
    db.transaction(async (tx) => {
      const task = await lockOpenTask(tx, who, id, clock)
      if (body.assigneeId) await requireActiveUser(tx, body.assigneeId)
      const changes: TaskChanges = {
        title: body.title,
        type: body.type,
        description: body.description,
        dueAt: body.dueAt === undefined ? undefined : new Date(body.dueAt),
        assigneeId: body.assigneeId,
      }
      await updateTask(tx, task, changes, { actor: actorOf(who), at: clock.now })
      return { task: (await getTask(tx, id, clock))! }
    }),

  complete: (db: Db, who: ApiKeyIdentity, id: string, outcome: string, clock: TaskClock) =>
    close(db, who, id, { status: 'done', outcome }, clock),

  cancel: (db: Db, who: ApiKeyIdentity, id: string, reason: string | undefined, clock: TaskClock) =>
    close(db, who, id, { status: 'cancelled', outcome: reason ?? null }, clock),
}

function close(
  db: Db,
  who: ApiKeyIdentity,
  id: string,
  input: { status: 'done' | 'cancelled'; outcome: string | null },
  clock: TaskClock,
) {
  return db.transaction(async (tx) => {
    const task = await lockOpenTask(tx, who, id, clock)
    await closeTask(tx, task, input, { actor: actorOf(who), at: clock.now })
    return { task: (await getTask(tx, id, clock))! }
  })
}

/**
 * Locks the account, then the task (the order every account change takes), and checks
 * that the caller sees it (404 otherwise, as the list would not show it) and that it
 * is still open.
 */
async function lockOpenTask(tx: Queryable, who: ApiKeyIdentity, id: string, clock: TaskClock) {
  const found = await getTask(tx, id, clock, { who })
  if (!found) throw new AppError('NOT_FOUND', `no task ${id}`)
  await lockAccount(tx, found.tenantId)
  const task = (await getTask(tx, id, clock, { lock: true }))!
  if (task.status !== 'open') {
    throw new AppError(
      'TASK_ILLEGAL_CHANGE',
      `task ${id} is ${task.status}: a closed task does not change`,
      {
        status: task.status,
      },
    )
  }
  return task
}

/** The lead, alert and opportunity a task belongs to must be on its own account. */
async function requireOnAccount(tx: Queryable, body: CreateTaskBody): Promise<void> {
  const refs = [
    ['lead', 'leads', body.leadId],
    ['alert', 'alerts', body.alertId],
    ['opportunity', 'opportunities', body.opportunityId],
  ] as const
  for (const [name, table, id] of refs) {
    if (id === undefined) continue
    const { rowCount } = await tx.query(`SELECT 1 FROM ${table} WHERE id = $1 AND tenant_id = $2`, [
      id,
      body.tenantId,
    ])
    if (rowCount === 0)
      throw new AppError('TASK_INVALID_REFERENCE', `no ${name} ${id} on account ${body.tenantId}`, {
        [`${name}Id`]: id,
      })
  }
}

async function requireActiveUser(tx: Queryable, id: string): Promise<void> {
  if (!(await isActiveUser(tx, id))) throw new AppError('USER_UNKNOWN', `no active user ${id}`)
}
