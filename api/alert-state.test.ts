import { describe, expect, it } from 'vitest'
import {
  type AlertAction,
  type AlertStatus,
  alertActionLegalFrom,
  alertActions,
  alertStatuses,
  alertTransition,
  isAssignable,
} from './alert-state.js'

// The whole table, spelled out: a change to the machine must change this test too.
const legal: Record<AlertStatus, Partial<Record<AlertAction, AlertStatus>>> = {
  open: { acknowledge: 'acknowledged', snooze: 'snoozed', resolve: 'resolved' },
  acknowledged: { snooze: 'snoozed', resolve: 'resolved' },
  snoozed: { acknowledge: 'acknowledged', snooze: 'snoozed', wake: 'open', resolve: 'resolved' },
  resolved: {},
}

describe('when an action meets an alert in some status', () => {
  for (const from of alertStatuses) {
    for (const action of alertActions) {
      const to = legal[from][action]
      it(`${action} on ${from} ${to ? `moves it to ${to}` : 'is refused'}`, () => {
        expect(alertTransition(from, action)).toEqual(
          to ? { ok: true, from, to } : { ok: false, reason: 'illegal_transition', from, action },
        )
      })
    }
  }

  it('names the statuses an action is legal from', () => {
    expect(alertActionLegalFrom('acknowledge')).toEqual(['open', 'snoozed'])
    expect(alertActionLegalFrom('wake')).toEqual(['snoozed'])
  })

  it('lets anything but a resolved alert be assigned', () => {
    expect(alertStatuses.filter(isAssignable)).toEqual(['open', 'acknowledged', 'snoozed'])
  })
})
