import type { Queryable } from '../platform/postgres.js'
import { createAccount, handToCustomerSuccess, lockAccount, updateTraits } from './accounts.js'
import { appendActivity } from './activity-log.js'
import { pickCsm } from './csm-assignment.js'
import { initialLifecycle } from './lifecycle.js'
import type { AccountTraits } from './parse-lifecycle-event.js'

/** The company's own vocabulary the CRM applies events with. */
export interface CrmPolicy {
  /** Plan names that pay nothing (FREE_PLANS); default `free`. */
  freePlans?: readonly string[] | undefined
}

export interface GroupCall {
  tenantId: string
  messageId: string
  at: Date
  traits: AccountTraits
}

/**
 * Applies a `group` call: creates the account the first time a tenant is seen, else
 * updates its traits. Traits never move the lifecycle of a known account (a plan
 * change is not an order); a new tenant already on a paid plan starts as a customer,
 * handed to customer success like any new customer.
 */
export async function upsertAccount(
  tx: Queryable,
  call: GroupCall,
  policy: CrmPolicy = {},
): Promise<void> {
  let account = await lockAccount(tx, call.tenantId)
  if (!account) {
    const lifecycle = initialLifecycle(call.traits.plan, policy.freePlans)
    const made = await createAccount(tx, { ...call, lifecycle })
    if (made.created) {
      const csmId = lifecycle === 'customer' ? await pickCsm(tx) : undefined
      if (csmId !== undefined) await handToCustomerSuccess(tx, call.tenantId, csmId)
      await appendActivity(tx, {
        tenantId: call.tenantId,
        actor: 'crm-sync',
        action: 'account_created',
        fromState: null,
        toState: lifecycle,
        reason:
          lifecycle === 'customer'
            ? `first group call, already on paid plan ${call.traits.plan}`
            : 'first group call',
        at: call.at,
        messageId: call.messageId,
        details: csmId !== undefined ? { csmId } : {},
      })
      return
    }
    // Another process created it between our read and our insert: update it instead.
    account = made.account
  }
  const updated = await updateTraits(tx, call.tenantId, call.traits, call.at)
  const plan = call.traits.plan
  if (updated && plan !== undefined && plan !== account.plan) {
    await appendActivity(tx, {
      tenantId: call.tenantId,
      actor: 'crm-sync',
      action: 'plan_changed',
      fromState: account.lifecycle,
      toState: account.lifecycle,
      reason: `plan ${account.plan} -> ${plan}`,
      at: call.at,
      messageId: call.messageId,
      details: { fromPlan: account.plan, toPlan: plan },
    })
  }
}
