/**
 * The alert state machine, as data. Read a row as: an alert in <status>, on <action>,
 * becomes <to>. Anything not in the table is refused (409 ALERT_ILLEGAL_TRANSITION).
 *
 *   open ──────────────────────────acknowledge──▶ acknowledged
 *   snoozed ───────────────────────acknowledge──▶ acknowledged
 *   open, acknowledged, snoozed ───snooze───────▶ snoozed ──wake──▶ open
 *   open, acknowledged, snoozed ───resolve──────▶ resolved (terminal: the rule opens
 *                                                 a new alert after its cool-down)
 *
 * - acknowledge: open or snoozed → acknowledged (a CSM picks it up early).
 * - snooze: open, acknowledged or snoozed → snoozed until a time in the future; a
 *   snoozed alert may be snoozed again to move the time.
 * - wake: snoozed → open, when the snooze time has passed (the system, not the API).
 * - resolve: any unresolved → resolved, with a resolution.
 * - Acknowledging twice, or anything on a resolved alert, is refused: it would hide
 *   that someone else already acted.
 * Assignment is not a status change: any unresolved alert can be (re)assigned.
 */
export const alertStatuses = ['open', 'acknowledged', 'snoozed', 'resolved'] as const
export type AlertStatus = (typeof alertStatuses)[number]

export const alertActions = ['acknowledge', 'snooze', 'wake', 'resolve'] as const
export type AlertAction = (typeof alertActions)[number]

const transitions: Record<AlertStatus, Partial<Record<AlertAction, AlertStatus>>> = {
  open: { acknowledge: 'acknowledged', snooze: 'snoozed', resolve: 'resolved' },
  acknowledged: { snooze: 'snoozed', resolve: 'resolved' },
  snoozed: { acknowledge: 'acknowledged', snooze: 'snoozed', wake: 'open', resolve: 'resolved' },
  resolved: {},
}

export type AlertTransition =
  | { ok: true; from: AlertStatus; to: AlertStatus }
  | { ok: false; reason: 'illegal_transition'; from: AlertStatus; action: AlertAction }

export function alertTransition(from: AlertStatus, action: AlertAction): AlertTransition {
  const to = transitions[from][action]
  return to ? { ok: true, from, to } : { ok: false, reason: 'illegal_transition', from, action }
}

/** The statuses an action is legal from, for error messages and docs. */
export function alertActionLegalFrom(action: AlertAction): AlertStatus[] {
  return alertStatuses.filter((status) => transitions[status][action] !== undefined)
}

/** Whether an alert in this status can still be assigned. */
export const isAssignable = (status: AlertStatus) => status !== 'resolved'
