import { appendActivity } from '../crm/activity-log.js'
import { tasksBlockingResolve } from '../crm/tasks.js'
import { AppError } from '../platform/errors.js'
import type { Db } from '../platform/postgres.js'
import {
  type AlertAction,
  alertActionLegalFrom,
  alertTransition,
  isAssignable,
} from './alert-state.js'
import type { ListAlertsQuery } from './alerts-schemas.js'
import { getAlert, listAlerts, setAlertStatus } from './alerts-store.js'
import type { ApiKeyIdentity } from './api-keys.js'
import { actorOf } from './auth.js'
import { isActiveUser } from './leads-store.js'

type ApiAction = Exclude<AlertAction, 'wake'>

const pastTense: Record<ApiAction, string> = {
  acknowledge: 'acknowledged',
  snooze: 'snoozed',
  resolve: 'resolved',
}

export const alertsController = {
  list: (db: Db, query: ListAlertsQuery) => listAlerts(db, query),

  acknowledge: (db: Db, who: ApiKeyIdentity, id: string) => act(db, who, id, 'acknowledge', {}),

  snooze: (db: Db, who: ApiKeyIdentity, id: string, until: string, now = new Date()) => {
    const wakeAt = new Date(until)
    if (wakeAt.getTime() <= now.getTime()) {
      throw new AppError('BAD_REQUEST', 'until must be in the future', { until })
    }
    return act(db, who, id, 'snooze', { snoozedUntil: wakeAt })
  },

  resolve: (db: Db, who: ApiKeyIdentity, id: string, resolution: string) =>
    act(db, who, id, 'resolve', { resolution }),

  assign: (db: Db, who: ApiKeyIdentity, id: string, assigneeId: string | null) =>
    db.transaction(async (tx) => {
      const alert = await getAlert(tx, id, { lock: true })
      if (!alert) throw new AppError('NOT_FOUND', `no alert ${id}`)
      if (!isAssignable(alert.status)) {
        throw new AppError(
          'ALERT_ILLEGAL_TRANSITION',
          `alert ${id} is resolved: it takes no assignee`,
          {
            status: alert.status,
            action: 'assign',
          },
        )
      }
      if (assigneeId !== null && !(await isActiveUser(tx, assigneeId))) {
        throw new AppError('USER_UNKNOWN', `no active user ${assigneeId}`)
      }
      await tx.query('UPDATE alerts SET assignee_id = $2, updated_at = now() WHERE id = $1', [
        id,
        assigneeId,
      ])
      await appendActivity(tx, {
        tenantId: alert.tenantId,
        actor: actorOf(who),
        action: 'alert_assigned',
        fromState: null,
        toState: null,
        reason: assigneeId
          ? `alert ${id} assigned to user ${assigneeId}`
          : `alert ${id} unassigned`,
        at: new Date(),
        details: { alertId: id, ruleId: alert.ruleId, from: alert.assigneeId, to: assigneeId },
      })
      return { alert: (await getAlert(tx, id))!, transition: null }
    }),
}

/**
 * One status change: the alert is locked, the transition table decides, and the
 * change and its activity-log row commit together.
 */
function act(
  db: Db,
  who: ApiKeyIdentity,
  id: string,
  action: ApiAction,
  input: { snoozedUntil?: Date; resolution?: string },
) {
  return db.transaction(async (tx) => {
    const alert = await getAlert(tx, id, { lock: true })
    if (!alert) throw new AppError('NOT_FOUND', `no alert ${id}`)
    const step = alertTransition(alert.status, action)
    if (!step.ok) {
      throw new AppError(
        'ALERT_ILLEGAL_TRANSITION',
        `cannot ${action} a ${alert.status} alert; ${action} takes ${alertActionLegalFrom(action).join(', ')}`,
        { status: alert.status, action },
      )
    }
    if (action === 'resolve') {
      const open = await tasksBlockingResolve(tx, id)
      if (open.length > 0) {
        throw new AppError(
          'ALERT_TASKS_OPEN',
          `alert ${id} is worked through playbook ${open[0]!.playbookId}: complete or cancel its ${open.length} open task(s) first (${open.map((t) => `${t.id} "${t.title}"`).join(', ')})`,
          { openTasks: open },
        )
      }
    }
    await setAlertStatus(tx, id, { to: step.to, ...input })
    await appendActivity(tx, {
      tenantId: alert.tenantId,
      actor: actorOf(who),
      action: `alert_${pastTense[action]}`,
      fromState: step.from,
      toState: step.to,
      reason: input.resolution ?? `alert ${id} ${pastTense[action]}`,
      at: new Date(),
      details: {
        alertId: id,
        ruleId: alert.ruleId,
        ...(input.snoozedUntil ? { snoozedUntil: input.snoozedUntil.toISOString() } : {}),
      },
    })
    return { alert: (await getAlert(tx, id))!, transition: { from: step.from, to: step.to } }
  })
}
