import type { Queryable, Tx } from '../platform/postgres.js'
import { lockAccount } from './accounts.js'
import { applyTransition } from './apply-transition.js'
import { toCrmError } from './errors.js'
import type { TransitionRefusal } from './lifecycle.js'
import { hasOrder } from './orders.js'
import {
  type LifecycleEventInput,
  type ParsedLifecycleEvent,
  type ParseRefusal,
  parseLifecycleEvent,
  parseTimestamp,
} from './parse-lifecycle-event.js'
import { type CrmPolicy, upsertAccount } from './upsert-account.js'

export type { CrmPolicy, LifecycleEventInput }

/** Why an event was set aside; stored in poison_events.reason. */
export type PoisonReason =
  | ParseRefusal
  | 'unknown_account'
  | TransitionRefusal
  | 'constraint_violation'

export type EventOutcome =
  | { kind: 'applied' }
  /** Already taken: the same message id, or the same order under a new message id. */
  | { kind: 'duplicate' | 'duplicate_order' }
  | { kind: 'poisoned'; reason: PoisonReason; detail: string }

export interface ApplySummary {
  applied: number
  duplicates: number
  poisoned: number
  poison: Array<{ tenantId: string; messageId: string; reason: PoisonReason; detail: string }>
}

interface Transactional {
  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T>
}

/**
 * Applies lifecycle events: per tenant in time order (arrival order breaks ties), each
 * in its own transaction. Safe to call again with the same events, and from several
 * processes at once: each event is applied once. A poison event is set aside and the
 * rest go on; an infrastructure failure throws, and a retry skips what committed.
 */
export async function applyLifecycleEvents(
  db: Transactional,
  events: readonly LifecycleEventInput[],
  policy: CrmPolicy = {},
): Promise<ApplySummary> {
  const summary: ApplySummary = { applied: 0, duplicates: 0, poisoned: 0, poison: [] }
  for (const input of orderPerTenant(events)) {
    const outcome = await applyLifecycleEvent(db, input, policy)
    if (outcome.kind === 'applied') summary.applied++
    else if (outcome.kind === 'poisoned') {
      summary.poisoned++
      const { tenantId, messageId } = input
      summary.poison.push({ tenantId, messageId, reason: outcome.reason, detail: outcome.detail })
    } else summary.duplicates++
  }
  return summary
}

/**
 * One event, one transaction. Its message id is recorded first: the insert waits for
 * any other process holding the same id and then finds it taken, so a redelivery does
 * nothing. The work runs behind a savepoint, so a poison event rolls back what it did
 * and keeps only its record and its poison row.
 */
export function applyLifecycleEvent(
  db: Transactional,
  input: LifecycleEventInput,
  policy: CrmPolicy = {},
): Promise<EventOutcome> {
  return db.transaction((tx) => applyLifecycleEventInTransaction(tx, input, policy))
}

/** applyLifecycleEvent inside a transaction the caller owns (see retry-poison-events.ts). */
export async function applyLifecycleEventInTransaction(
  tx: Queryable,
  input: LifecycleEventInput,
  policy: CrmPolicy = {},
): Promise<EventOutcome> {
  const parsed = parseLifecycleEvent(input)
  const fresh = await tx.query(
    `INSERT INTO applied_events (tenant_id, message_id, outcome) VALUES ($1, $2, 'applied')
     ON CONFLICT (tenant_id, message_id) DO NOTHING`,
    [input.tenantId, input.messageId],
  )
  if (fresh.rowCount === 0) return { kind: 'duplicate' }
  let outcome: EventOutcome
  if (!parsed.ok) outcome = { kind: 'poisoned', reason: parsed.reason, detail: parsed.detail }
  else {
    await tx.query('SAVEPOINT lifecycle_event')
    try {
      outcome = await applyParsed(tx, parsed.event, policy)
    } catch (error) {
      const refused = toCrmError(error)
      if (!refused) throw error
      const detail = `${refused.code}: ${refused.details.detail ?? refused.message}`
      outcome = { kind: 'poisoned', reason: 'constraint_violation', detail }
    }
    if (outcome.kind !== 'applied') await tx.query('ROLLBACK TO SAVEPOINT lifecycle_event')
  }
  if (outcome.kind !== 'applied') {
    await tx.query(
      'UPDATE applied_events SET outcome = $3 WHERE tenant_id = $1 AND message_id = $2',
      [input.tenantId, input.messageId, outcome.kind === 'poisoned' ? 'poisoned' : outcome.kind],
    )
  }
  if (outcome.kind === 'poisoned') {
    await tx.query(
      `INSERT INTO poison_events (tenant_id, message_id, reason, detail, payload)
       VALUES ($1, $2, $3, $4, $5::text::jsonb)`,
      [input.tenantId, input.messageId, outcome.reason, outcome.detail, storableJson(input)],
    )
  }
  return outcome
}

async function applyParsed(
  tx: Queryable,
  event: ParsedLifecycleEvent,
  policy: CrmPolicy,
): Promise<EventOutcome> {
  const { tenantId, messageId, at } = event
  if (event.kind === 'traits') {
    await upsertAccount(tx, { tenantId, messageId, at, traits: event.traits }, policy)
    return { kind: 'applied' }
  }
  const account = await lockAccount(tx, tenantId)
  if (!account) {
    return {
      kind: 'poisoned',
      reason: 'unknown_account',
      detail: `no group call seen for tenant ${tenantId}`,
    }
  }
  const context = { actor: 'crm-sync' as const, at, messageId }
  let result: Awaited<ReturnType<typeof applyTransition>>
  switch (event.kind) {
    case 'order':
      if (await hasOrder(tx, tenantId, event.order.orderId)) return { kind: 'duplicate_order' }
      result = await applyTransition(
        tx,
        account,
        { type: 'order_completed' },
        { ...context, order: event.order, note: `order ${event.order.orderId}` },
      )
      break
    case 'renewal':
      result = await applyTransition(
        tx,
        account,
        { type: 'subscription_renewed' },
        { ...context, amount: event.amount },
      )
      break
    case 'cancellation':
      result = await applyTransition(
        tx,
        account,
        { type: 'subscription_cancelled' },
        { ...context, note: event.why },
      )
      break
  }
  return result.ok
    ? { kind: 'applied' }
    : { kind: 'poisoned', reason: result.reason, detail: result.detail }
}

function orderPerTenant(events: readonly LifecycleEventInput[]): LifecycleEventInput[] {
  const byTenant = new Map<
    string,
    Array<{ input: LifecycleEventInput; index: number; time: number }>
  >()
  events.forEach((input, index) => {
    const time = parseTimestamp(input.timestamp).getTime()
    const list = byTenant.get(input.tenantId) ?? []
    list.push({ input, index, time: Number.isNaN(time) ? Number.POSITIVE_INFINITY : time })
    byTenant.set(input.tenantId, list)
  })
  return [...byTenant.values()].flatMap((list) =>
    list.sort((a, b) => a.time - b.time || a.index - b.index).map((entry) => entry.input),
  )
}

// The event as it came, in a form jsonb takes whatever the sender put in it: bigints
// as text, and no NUL characters in strings (jsonb refuses \u0000).
function storableJson(input: LifecycleEventInput): string {
  return JSON.stringify(input, (_key, value: unknown) => {
    if (typeof value === 'bigint') return value.toString()
    if (typeof value === 'string') return value.replaceAll('\u0000', '')
    return value
  })
}
