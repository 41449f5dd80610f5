import type { Queryable } from '../platform/postgres.js'
import { type Account, handToCustomerSuccess, setLifecycle } from './accounts.js'
import { type Actor, appendActivity } from './activity-log.js'
import { isActiveCsm, pickCsm } from './csm-assignment.js'
import { closeOpenLead, type NewLead, openLead } from './leads.js'
import {
  type Effect,
  type Lifecycle,
  type LifecycleEvent,
  type TransitionRefusal,
  transition,
} from './lifecycle.js'
import { loseOpenOpportunities, openOpportunity, winOpportunity } from './opportunities.js'
import { recordOrder } from './orders.js'
import type { OrderFacts } from './parse-lifecycle-event.js'

/** What the effects need beyond the account: who acts, when, and the event's facts. */
export interface TransitionContext {
  actor: Actor
  at: Date
  messageId?: string | undefined
  /** Added to the transition's reason in the log, e.g. 'order A-17'. */
  note?: string | undefined
  order?: OrderFacts | undefined
  /** Amount of an opportunity won without an order (a renewal). */
  amount?: string | undefined
  lead?: Omit<NewLead, 'tenantId' | 'source'> | undefined
}

export type TransitionOutcome =
  | { ok: true; from: Lifecycle; to: Lifecycle }
  | { ok: false; reason: TransitionRefusal; detail: string }

interface EffectState {
  leadId?: string | undefined
  opportunityId?: string | undefined
  csmId?: string | null | undefined
  lostOpportunities?: number | undefined
}

/**
 * Moves a locked account through one lifecycle event: checks it against the table in
 * lifecycle.ts, runs the effects in their order, sets the new state and writes the
 * activity log. Call inside a transaction, with the account from lockAccount.
 */
export async function applyTransition(
  tx: Queryable,
  account: Account,
  event: LifecycleEvent,
  context: TransitionContext,
): Promise<TransitionOutcome> {
  const result = transition(account.lifecycle, event)
  if (!result.ok) {
    return {
      ok: false,
      reason: result.reason,
      detail: `${event.type} is not allowed for a ${account.lifecycle} account`,
    }
  }
  const state: EffectState = {}
  for (const effect of result.effects) await runEffect(tx, account, effect, context, state)
  if (result.to !== account.lifecycle) await setLifecycle(tx, account.tenantId, result.to)
  await appendActivity(tx, {
    tenantId: account.tenantId,
    actor: context.actor,
    action: event.type,
    fromState: result.from,
    toState: result.to,
    reason: context.note ? `${result.why} (${context.note})` : result.why,
    at: context.at,
    messageId: context.messageId,
    details: withoutUndefined({ ...state, orderId: context.order?.orderId }),
  })
  return { ok: true, from: result.from, to: result.to }
}

async function runEffect(
  tx: Queryable,
  account: Account,
  effect: Effect,
  context: TransitionContext,
  state: EffectState,
): Promise<void> {
  const tenantId = account.tenantId
  switch (effect.kind) {
    case 'open_lead':
      state.leadId = await openLead(tx, { ...context.lead, tenantId, source: effect.source })
      return
    case 'close_open_lead':
      state.leadId = await closeOpenLead(tx, tenantId, effect.status, context.at)
      return
    case 'open_opportunity':
      state.opportunityId = await openOpportunity(tx, {
        tenantId,
        leadId: state.leadId,
        ownerId: account.ownerId,
      })
      return
    case 'win_opportunity':
      state.opportunityId = await winOpportunity(tx, {
        tenantId,
        kind: effect.opportunity,
        amount: context.order?.revenue ?? context.amount,
        at: context.at,
        leadId: state.leadId,
      })
      return
    case 'lose_open_opportunities':
      state.lostOpportunities = await loseOpenOpportunities(tx, tenantId, context.at)
      return
    case 'record_order':
      if (!context.order || !context.messageId) throw new Error('record_order needs an order')
      await recordOrder(tx, {
        tenantId,
        order: context.order,
        opportunityId: state.opportunityId,
        at: context.at,
        messageId: context.messageId,
      })
      return
    case 'hand_to_customer_success': {
      // A returning customer keeps its CSM while that person still does the job.
      const keep = account.csmId !== null && (await isActiveCsm(tx, account.csmId))
      state.csmId = keep ? account.csmId : await pickCsm(tx)
      await handToCustomerSuccess(tx, tenantId, state.csmId)
      return
    }
  }
}

function withoutUndefined(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined))
}
